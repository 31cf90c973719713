#!/bin/sh
# scripts/install-deps.sh - installs, on Debian 12 as root, every package
# the build and the tests need: the one list (.ci/run uses it too).
#
# Build: a C compiler, make and libbearssl-dev (the only library).
# Tests: the third-party peers and tools of tests/e2e_*.sh (tests/lib.sh
# "need" names them), the static build's tools (tests/e2e_static.sh), and
# clang, its sanitizer runtimes and valgrind for make fuzz / check-asan /
# check-valgrind (.ci/extra); systemd for systemd-analyze verify of the
# unit (tests/check_install.sh).  Benchmark: bench/run's OpenVPN and
# column (bsdextrautils) besides the tests' iperf3, openssl and ping.
set -eu
PKGS="build-essential clang libbearssl-dev
	iproute2 iputils-ping iperf3 procps psmisc kmod util-linux
	python3 python3-websockets nodejs node-ws
	openssl apache2-utils tinyproxy dnsmasq-base nginx-light ca-certificates curl
	valgrind musl-tools dpkg-dev file busybox jq libclang-rt-14-dev
	systemd openvpn bsdextrautils"
if [ "${1:-}" = "--list" ]; then
	echo $PKGS
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/install-deps.sh: run it as root (it calls apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
