#ifndef EXAMHALL_CLIBPQ_SHIM_H
#define EXAMHALL_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
