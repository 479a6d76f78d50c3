# ibpipe container image.  docker build --build-arg GIT_SHA=$(git rev-parse --short HEAD) -t ibpipe .
# (deploy/compose.yaml builds it too.)
#
# Two stages.  A full toolchain builds bin/ibpipe.  The runtime image holds only the binary, the
# Debian packages of the shared libraries it links (found by ldd in the build stage, so a new
# library cannot be forgotten) and the example config, and runs as an unprivileged user.
#
#   docker run ibpipe --symbols AAPL,MSFT            flags go to `ibpipe run --config ...`
#   docker run --entrypoint ibpipe ibpipe status     any other subcommand
#
# The base.  CI (tools/image.sh) builds this exact tag itself with debootstrap from the Debian
# archive, builds this file with --pull=never and smoke-tests the result; the tag names the
# bookworm point release CI built and tested.  In production pin the digest as well, so a
# re-pushed tag cannot change what you run:
#   docker buildx imagetools inspect debian:12.15-slim   (or: docker pull, then
#   docker inspect --format '{{index .RepoDigests 0}}')
#   FROM debian:12.15-slim@sha256:<that digest>
# tools/image.sh prints the digest of the base it built, for the record.
# ---- toolchain: its own stage, so CI can keep it cached by name (tools/image.sh) ----------
FROM debian:12.15-slim AS toolchain
# The Makefile's DEB_PKGS minus redis-server/redis-tools, which only the tests need, plus
# libmicrohttpd-dev for the metrics listener.  tools/dockerfile-check.sh fails when the
# Makefile names a package missing here.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential pkg-config libck-dev libhiredis-dev libcunit1-dev libmicrohttpd-dev \
 && rm -rf /var/lib/apt/lists/*

# ---- build --------------------------------------------------------------------------------
FROM toolchain AS build
WORKDIR /src
# Only what the daemon is built from (.dockerignore keeps the rest out of the context).  Host
# build output, .git, and deploy/secrets never enter the image's layers.  mk/ holds the
# Makefile's includes: without it make stops before building anything.
COPY Makefile ./
COPY mk mk
COPY include include
COPY src src
COPY tools/deps.sh tools/runtime-packages.sh tools/
ARG GIT_SHA=unknown
# -o deps-check: the packages are installed above.  The Makefile's check also wants
# redis-server, which only the tests need.  runtime-packages lists the Debian packages of the
# shared libraries the binary links, for the runtime stage.
RUN make -j"$(nproc)" -o deps-check bin/ibpipe GIT_SHA="$GIT_SHA" \
 && strip --strip-unneeded bin/ibpipe \
 && bin/ibpipe --version \
 && tools/runtime-packages.sh bin/ibpipe > runtime-packages

# ---- runtime ------------------------------------------------------------------------------
FROM debian:12.15-slim
COPY --from=build /src/runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && xargs -a /tmp/runtime-packages env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages
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
