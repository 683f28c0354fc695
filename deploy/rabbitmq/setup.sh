#!/usr/bin/env bash
# ExamHall's users, permissions and topology on a running RabbitMQ, from the environment: the same for
# scripts/stack and for compose (deploy/rabbitmq/start.sh), so no password is ever baked into a file.
#
#   setup.sh DEFINITIONS -- RABBITMQCTL_COMMAND…
#
# Each user's password is required in EXAMHALL_<USER>_AMQP_PASSWORD (SESSIONS, AUTHORIZATIONS,
# VERIFICATION, NOTIFICATIONS, CONSOLE, PAYMENT_SYSTEM, ADMIN); a user that exists gets the password
# again, so changing the variable and running this again rotates it. DEFINITIONS holds the vhost and
# the topology (exchanges, queues, bindings, policies and the topic permissions `examhall topology`
# writes), imported once the users exist.
set -euo pipefail
definitions="${1:?definitions file}"
[ "${2:-}" = "--" ] || { echo "setup.sh DEFINITIONS -- RABBITMQCTL_COMMAND…" >&2; exit 2; }
shift 2
rabbitmqctl_command=("$@")
ctl() { "${rabbitmqctl_command[@]}" "$@"; }
vhost="examhall"
services=(sessions authorizations verification notifications console)

password() {
  local variable="EXAMHALL_$(echo "$1" | tr a-z- A-Z_)_AMQP_PASSWORD"
  [ -n "${!variable:-}" ] || { echo "setup.sh: $variable must be set" >&2; exit 2; }
  printf '%s' "${!variable}"
}

user() {
  local name="$1" secret; secret="$(password "$2")"
  if ctl list_users -q | awk '{print $1}' | grep -qx "$name"; then
    ctl change_password "$name" "$secret" >/dev/null
  else
    ctl add_user "$name" "$secret" >/dev/null
  fi
}

ctl list_vhosts -q | grep -qx "$vhost" || ctl add_vhost "$vhost" >/dev/null
# Each service configures only its own queues (the shared exchanges come from the definitions); it
# publishes to events, outbound and dead letters, never to inbound, and on events and outbound only its
# own routing keys (the topic permissions of the definitions); it reads inbound and events through
# bindings of its inbox.
for service in "${services[@]}"; do
  user "$service" "$service"
  ctl set_permissions -p "$vhost" "$service" \
    "^$service\\.(inbox|dead)\$" \
    "^(examhall\\.(events|outbound|dead|unroutable)|$service\\.(inbox|dead))\$" \
    "^(examhall\\.(events|inbound|outbound|dead|unroutable)|$service\\.(inbox|dead))\$" >/dev/null
done
# The external payment system writes to examhall.inbound and nothing else of ours; it reads what
# examhall.outbound routes to queues of its own (external-system.*), which it declares and binds.
user payment-system payment-system
ctl set_permissions -p "$vhost" payment-system '^external-system\..+$' \
  '^(examhall\.inbound|external-system\..+)$' '^(examhall\.outbound|external-system\..+)$' >/dev/null
user examhall-admin admin
ctl set_user_tags examhall-admin administrator >/dev/null
ctl set_permissions -p "$vhost" examhall-admin '.*' '.*' '.*' >/dev/null
if ctl list_users -q | awk '{print $1}' | grep -qx guest; then ctl delete_user guest >/dev/null; fi

# The broker reads the file itself, possibly as another user: hand it a copy it can read.
copy="$(mktemp)"
trap 'rm -f "$copy"' EXIT
cp "$definitions" "$copy"
chmod 644 "$copy"
ctl import_definitions "$copy" >/dev/null
