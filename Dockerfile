# ecsprobe's container image: built on Debian 12, run on Debian 12 slim.
#   docker build -t ecsprobe:0.2.0 .        (or podman build / buildah bud)
#   docker run --rm -e AWS_REGION ... ecsprobe:0.2.0 verify --source-ip IP ...
# Runs as uid 65534 (nobody) in connect mode, no capability needed.  SYN mode
# (--mode syn) needs CAP_NET_RAW: start the container as root with only that
# capability and let ecsprobe drop to nobody after opening its raw socket:
#   docker run --rm --user 0 --cap-drop ALL --cap-add NET_RAW --cap-add SETUID \
#     --cap-add SETGID ecsprobe:0.2.0 verify --mode syn --user 65534 ...
# (a non-root user cannot keep an added capability: Docker and Kubernetes give
# no ambient capabilities).  data/deploy/README.md has the Kubernetes and ECS
# examples that use this image.
ARG DEBIAN=debian:bookworm
ARG DEBIAN_SLIM=debian:bookworm-slim

FROM ${DEBIAN} AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake libtool pkg-config ca-certificates \
	libuv1-dev libcurl4-openssl-dev libcjson-dev libpcap-dev libcmocka-dev libssl-dev \
	libxml2-dev zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# a clean tree: the build context may hold an in-tree build of the host's
RUN (test ! -f Makefile || make distclean >/dev/null 2>&1 || true) && \
	autoreconf -fi && ./configure -q --prefix=/usr --disable-werror && \
	make -j"$(nproc)" ecsprobe && make install-strip DESTDIR=/out

FROM ${DEBIAN_SLIM}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
	ca-certificates libuv1 libcurl4 libcjson1 libpcap0.8 libssl3 libxml2 zlib1g && \
	rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/bin/ecsprobe /usr/bin/ecsprobe
COPY --from=build /out/usr/share/ecsprobe /usr/share/ecsprobe
COPY --from=build /out/usr/share/man/man1/ecsprobe.1 /usr/share/man/man1/ecsprobe.1
USER 65534:65534
WORKDIR /tmp
ENTRYPOINT ["ecsprobe"]
CMD ["--help"]
