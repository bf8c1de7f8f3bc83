#!/bin/sh
# Installs every build and test dependency of dmm on Debian 12 (idempotent, quiet when
# everything is present). Run as root.
set -eu
PKGS="build-essential gcc clang lld llvm libclang-rt-14-dev meson ninja-build pkg-config
 libdpdk-dev dpdk dpdk-dev libyaml-dev libcmocka-dev libbpf-dev libxdp-dev libpcap-dev
 libelf-dev zlib1g-dev python3 python3-scapy tshark iproute2 iputils-ping tcpdump
 netcat-openbsd socat procps kmod psmisc coreutils util-linux bridge-utils ethtool"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
