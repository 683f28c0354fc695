#!/usr/bin/env bash
# compose's RabbitMQ: starts the server, then creates ExamHall's users from the passwords in the
# environment and imports the topology (setup.sh), and only then reports ready (the healthcheck looks
# for the marker), so no service connects before its user and queues exist. SIGTERM stops the broker.
set -euo pipefail
ready=/var/lib/rabbitmq/examhall-ready
rm -f "$ready"
docker-entrypoint.sh rabbitmq-server &
server=$!
trap 'rabbitmqctl stop >/dev/null 2>&1 || kill -TERM "$server"; wait "$server"; exit 0' TERM INT
rabbitmqctl await_startup --timeout 120 >/dev/null
bash /etc/rabbitmq/examhall-setup.sh /etc/rabbitmq/definitions.json -- rabbitmqctl
touch "$ready"
wait "$server"
