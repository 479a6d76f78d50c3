# ibpipe container image.  docker build --build-arg GIT_SHA=$(git rev-parse --short HEAD) -t ibpipe .
# (deploy/compose.yaml builds it too.)
#
# Two stages.  A full toolchain builds bin/ibpipe.  The runtime image holds only the binary, its
# two shared libraries (libck0, libhiredis0.14) and the example config, and runs as an
# unprivileged user.
#
#   docker run ibpipe --symbols AAPL,MSFT            flags go to `ibpipe run --config ...`
#   docker run --entrypoint ibpipe ibpipe status     any other subcommand

# ---- build --------------------------------------------------------------------------------
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential pkg-config libck-dev libhiredis-dev libcunit1-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the daemon is built from.  Host build output, .git, and deploy/secrets never enter
# the image's layers.
COPY Makefile ./
COPY include include
COPY src src
COPY tools/deps.sh tools/deps.sh
ARG GIT_SHA=unknown
# -o deps-check: the packages are installed above.  The Makefile's check also wants
# redis-server, which only the tests need.
RUN make -o deps-check bin/ibpipe GIT_SHA="$GIT_SHA" \
 && strip --strip-unneeded bin/ibpipe \
 && bin/ibpipe --version

# ---- runtime ------------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libck0 libhiredis0.14 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 ibpipe \
 && useradd --system --uid 10001 --gid ibpipe --home-dir /var/lib/ibpipe --no-create-home \
        --shell /usr/sbin/nologin ibpipe \
 && install -d -o ibpipe -g ibpipe -m 0750 /var/lib/ibpipe \
 && install -d -m 0755 /etc/ibpipe
COPY --from=build /src/bin/ibpipe /usr/local/bin/ibpipe
COPY deploy/ibpipe.conf /etc/ibpipe/ibpipe.conf
# The order-id high-water mark.  Mount a volume here so it outlives the container.
VOLUME ["/var/lib/ibpipe"]
USER ibpipe:ibpipe
WORKDIR /var/lib/ibpipe
# JSON lines suit `docker logs` and log shippers.  IBPIPE_* variables win over the config file.
ENV IBPIPE_LOG_FORMAT=json
# docker stop sends SIGTERM: ibpipe cancels subscriptions and flushes Redis before it exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["ibpipe", "run", "--config", "/etc/ibpipe/ibpipe.conf"]
