# One image for all of ExamHall: the four services, the console and the admin CLI. Pick the program with the
# container's command, e.g. `/app/examhall-authorizations` (see docker-compose.yml).

# The base images are build arguments, for registries behind a firewall:
#   docker build --build-arg BUILDER_IMAGE=registry.example.org/swift:6.3.1-bookworm --build-arg RUNTIME_IMAGE=… .
ARG BUILDER_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=debian:12.8-slim

# --- build: the official Swift image, release mode, Swift runtime linked statically ---
FROM ${BUILDER_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends librabbitmq-dev libpq-dev libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest names every target's folder (tests included), so all of them must be present to resolve.
COPY Package.swift ./
COPY Shared Shared
COPY Services Services
COPY Tools Tools
COPY Tests Tests
RUN swift build -c release --static-swift-stdlib
RUN mkdir -p /staging \
 && bin="$(swift build -c release --show-bin-path)" \
 && cp "$bin"/examhall "$bin"/examhall-sessions "$bin"/examhall-authorizations \
       "$bin"/examhall-verification "$bin"/examhall-notifications "$bin"/examhall-console /staging/ \
 # Debug information is most of a binary's size; the symbol table stays, so crash backtraces keep their names.
 && strip --strip-debug /staging/examhall* \
 # Each service reads its SQL migrations (the console also its templates) from its resource bundle.
 && cp -R "$bin"/*.resources /staging/

# --- run: slim Debian with only the runtime libraries ---
FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends librabbitmq4 libpq5 libcurl4 ca-certificates tzdata curl \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin examhall
WORKDIR /app
COPY --from=build --chown=root:root /staging/ /app/
USER examhall
# Containers listen on all interfaces; secrets and URLs come from the environment at run time.
ENV EXAMHALL_HTTP_HOST=0.0.0.0
EXPOSE 8080 8081 8082 8083 8084
STOPSIGNAL SIGTERM
CMD ["/app/examhall", "--help"]
