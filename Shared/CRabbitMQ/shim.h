#ifndef EXAMHALL_CRABBITMQ_SHIM_H
#define EXAMHALL_CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

/* amqp_login is variadic, which Swift cannot call: expose the PLAIN form only. The client says it
   understands connection.blocked, so the broker tells it when a memory or disk alarm holds publishers. */
static inline amqp_rpc_reply_t examhall_amqp_login_plain(amqp_connection_state_t state,
                                                         const char *vhost,
                                                         int channel_max,
                                                         int frame_max,
                                                         int heartbeat,
                                                         const char *user,
                                                         const char *password) {
    amqp_table_entry_t capability_entries[2];
    capability_entries[0].key = amqp_cstring_bytes("connection.blocked");
    capability_entries[0].value.kind = AMQP_FIELD_KIND_BOOLEAN;
    capability_entries[0].value.value.boolean = 1;
    capability_entries[1].key = amqp_cstring_bytes("authentication_failure_close");
    capability_entries[1].value.kind = AMQP_FIELD_KIND_BOOLEAN;
    capability_entries[1].value.value.boolean = 1;
    amqp_table_entry_t property_entries[1];
    property_entries[0].key = amqp_cstring_bytes("capabilities");
    property_entries[0].value.kind = AMQP_FIELD_KIND_TABLE;
    property_entries[0].value.value.table.num_entries = 2;
    property_entries[0].value.value.table.entries = capability_entries;
    amqp_table_t properties;
    properties.num_entries = 1;
    properties.entries = property_entries;
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, &properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

/* Milliseconds since the kernel last received data on the socket (whoever read it since), or -1. */
static inline long examhall_socket_silence_ms(int fd) {
    struct tcp_info info;
    socklen_t length = sizeof(info);
    if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return -1;
    return (long)info.tcpi_last_data_recv;
}

/* Method ids are cast macros Swift does not import; name the ones the consumer and publisher read. */
static const amqp_method_number_t EXAMHALL_BASIC_ACK = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t EXAMHALL_BASIC_NACK = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t EXAMHALL_BASIC_DELIVER = AMQP_BASIC_DELIVER_METHOD;
static const amqp_method_number_t EXAMHALL_BASIC_RETURN = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t EXAMHALL_BASIC_CANCEL = AMQP_BASIC_CANCEL_METHOD;
static const amqp_method_number_t EXAMHALL_CHANNEL_CLOSE = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t EXAMHALL_CONNECTION_CLOSE = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t EXAMHALL_CONNECTION_BLOCKED = AMQP_CONNECTION_BLOCKED_METHOD;
static const amqp_method_number_t EXAMHALL_CONNECTION_UNBLOCKED = AMQP_CONNECTION_UNBLOCKED_METHOD;

#endif
