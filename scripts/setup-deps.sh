#!/bin/sh
# Install every Debian package accelq needs to build, test and demo.
# Idempotent: does nothing when everything is already installed.
set -eu

PKGS="make gcc libc6-dev pkg-config git ca-certificates
linux-headers-amd64 linux-source-6.1 sparse libelf-dev xz-utils
qemu-system-x86 qemu-utils busybox-static cpio kmod
clang llvm libclang-rt-14-dev bpftool libbpf-dev
libnl-3-dev libnl-genl-3-dev libsystemd-dev libmicrohttpd-dev libinih-dev
dbus systemd prometheus curl jq liburing-dev gnuplot-nox python3"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed'; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
echo "setup-deps: installing:$missing" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
