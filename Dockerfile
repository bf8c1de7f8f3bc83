# dmm — multi-stage image. Not built on the development machines (no Docker engine
# there): kept simple so it can be checked by reading.
#
#   docker build -t dmm .
#   docker run --privileged --network host -v /dev/hugepages:/dev/hugepages dmm \
#       dmm-maar -l 0,1 -a 0000:01:00.0 -a 0000:01:00.1 -- --config /etc/dmm/maar.yaml
#   docker run --network host dmm dmm-cmd --config /etc/dmm/cmd-example.yaml --foreground

# ---- build (and unit tests, which need only an EAL without devices) ------------------
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        build-essential meson ninja-build pkg-config \
        libdpdk-dev libyaml-dev libcmocka-dev libbpf-dev libxdp-dev libpcap-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN meson setup /build --buildtype=release -Dtests=true \
    && ninja -C /build \
    && meson test -C /build --suite unit --print-errorlogs \
    && DESTDIR=/install meson install -C /build --no-rebuild

# ---- runtime: dmm-maar, dmm-cmd, dmmctl, example configs ---------------------------
FROM debian:12-slim AS runtime
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        dpdk libyaml-0-2 libbpf1 libxdp1 libpcap0.8 iproute2 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /install/usr/local/bin/ /usr/local/bin/
COPY config/ /etc/dmm/
ENTRYPOINT []
CMD ["dmm-maar", "--help"]
