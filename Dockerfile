# ibpipe container image: `docker build -t ibpipe .` (or deploy/compose.yaml).
# Two stages: a full toolchain builds bin/ibpipe; the runtime image carries only the binary,
# its two shared libraries and the example config, and runs as an unprivileged user.

# ---- build ------------------------------------------------------------------------------
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential pkg-config libck-dev libhiredis-dev libcunit1-dev git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Drop any host build output copied along (no .dockerignore needed), then build the daemon only.
RUN rm -rf build bin && make bin/ibpipe && strip --strip-unneeded bin/ibpipe

# ---- runtime ----------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libck0 libhiredis0.14 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 ibpipe \
 && useradd --system --uid 10001 --gid ibpipe --home-dir /var/lib/ibpipe --no-create-home \
        --shell /usr/sbin/nologin ibpipe \
 && install -d -o ibpipe -g ibpipe -m 0750 /var/lib/ibpipe \
 && install -d -m 0755 /etc/ibpipe
COPY --from=build /src/bin/ibpipe /usr/local/bin/ibpipe
COPY deploy/ibpipe.conf /etc/ibpipe/ibpipe.conf
# The order-id high-water mark lives here; mount a volume so it survives container rebuilds.
VOLUME ["/var/lib/ibpipe"]
USER ibpipe:ibpipe
WORKDIR /var/lib/ibpipe
# JSON logs suit `docker logs` / log shippers; SIGTERM (docker stop) shuts down cleanly.
ENV IBPIPE_LOG_FORMAT=json
STOPSIGNAL SIGTERM
ENTRYPOINT ["ibpipe"]
CMD ["run", "--config", "/etc/ibpipe/ibpipe.conf"]
