#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install accelq (called by "make install", "make install-module",
# "make dkms-install", "make uninstall"; see docs/operators.md).
#
#   scripts/install.sh [VAR=VALUE...] userspace|module|dkms|uninstall
#
#   userspace  programs, systemd unit, D-Bus policy and interface, udev rule,
#              modules-load.d and sysusers.d entries, /etc/accelq (existing
#              configuration files are never overwritten)
#   module     accelq.ko into /lib/modules/KVER/updates/, then depmod
#   dkms       the module's sources and dkms.conf into /usr/src/accelq-VERSION/
#   uninstall  remove what "userspace" installed; /etc/accelq stays
#
# Variables (arguments or environment): DESTDIR (staging root, default
# empty), PREFIX (/usr/local), BINDIR (PREFIX/bin), SBINDIR (PREFIX/sbin),
# DATADIR (PREFIX/share), SYSCONFDIR (/etc), UNITDIR
# (/usr/lib/systemd/system), DBUSPOLICYDIR (/usr/share/dbus-1/system.d),
# DBUSIFACEDIR (DATADIR/dbus-1/interfaces), UDEVRULESDIR
# (/usr/lib/udev/rules.d), MODULESLOADDIR (/usr/lib/modules-load.d),
# SYSUSERSDIR (/usr/lib/sysusers.d), KVER (module: the kernel accelq.ko
# was built for, from its vermagic), KO (./accelq.ko), VERSION (from
# ./VERSION, else 0.1).
#
# The system integration directories do not follow PREFIX: dbus-daemon,
# udev and systemd do not look under /usr/local for them. With DESTDIR set
# nothing outside DESTDIR is touched (no depmod, no udevadm, no
# systemd-sysusers, no systemctl): a package's scripts do that.

set -eu

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

cmd=
for a in "$@"; do
	case $a in
	[A-Z]*=*) export "${a?}" ;;
	userspace | module | dkms | uninstall) cmd=$a ;;
	-h | --help)
		sed -n '4,30s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "install.sh: unknown argument $a (see --help)" >&2
		exit 2
		;;
	esac
done
[ -n "$cmd" ] || { echo "install.sh: which: userspace, module, dkms or uninstall?" >&2; exit 2; }

DESTDIR=${DESTDIR:-}
DESTDIR=${DESTDIR%/}
PREFIX=${PREFIX:-/usr/local}
BINDIR=${BINDIR:-$PREFIX/bin}
SBINDIR=${SBINDIR:-$PREFIX/sbin}
DATADIR=${DATADIR:-$PREFIX/share}
SYSCONFDIR=${SYSCONFDIR:-/etc}
UNITDIR=${UNITDIR:-/usr/lib/systemd/system}
DBUSPOLICYDIR=${DBUSPOLICYDIR:-/usr/share/dbus-1/system.d}
DBUSIFACEDIR=${DBUSIFACEDIR:-$DATADIR/dbus-1/interfaces}
UDEVRULESDIR=${UDEVRULESDIR:-/usr/lib/udev/rules.d}
MODULESLOADDIR=${MODULESLOADDIR:-/usr/lib/modules-load.d}
SYSUSERSDIR=${SYSUSERSDIR:-/usr/lib/sysusers.d}
KO=${KO:-$REPO/accelq.ko}
VERSION=${VERSION:-$(cat "$REPO/VERSION" 2>/dev/null || echo 0.1)}

D=$DESTDIR
say() { echo "  $*"; }

# inst MODE SRC DST: install one file, making the directories
inst() {
	install -D -m "$1" "$2" "$D$3"
	say "$3"
}

# conf SRC DST: a configuration file, never over an existing one
conf() {
	if [ -e "$D$2" ]; then
		say "$2 exists, kept (new version: $2.dist)"
		install -D -m 0644 "$1" "$D$2.dist"
	else
		inst 0644 "$1" "$2"
	fi
}

need() {
	local f
	for f in "$@"; do
		if [ ! -f "$f" ]; then
			echo "install.sh: $f is missing: build first (make, or make KDIR=... module)" >&2
			exit 1
		fi
	done
}

PROGRAMS=(
	"$REPO/daemon/accelqd:$SBINDIR/accelqd"
	"$REPO/tools/accelqctl:$BINDIR/accelqctl"
	"$REPO/tools/accelq-nl:$BINDIR/accelq-nl"
	"$REPO/tools/accelq-load:$BINDIR/accelq-load"
	"$REPO/bpf/accelq-top:$BINDIR/accelq-top"
)

userspace() {
	local p unit
	for p in "${PROGRAMS[@]}"; do need "${p%%:*}"; done
	echo "installing accelq $VERSION userspace into ${D:-/}"
	for p in "${PROGRAMS[@]}"; do inst 0755 "${p%%:*}" "${p#*:}"; done

	# The unit names /usr/sbin/accelqd; follow SBINDIR.
	unit=$(mktemp)
	sed "s|^ExecStart=/usr/sbin/accelqd|ExecStart=$SBINDIR/accelqd|" \
		"$REPO/data/accelqd.service" >"$unit"
	inst 0644 "$unit" "$UNITDIR/accelqd.service"
	rm -f "$unit"

	inst 0644 "$REPO/data/org.accelq.Scheduler1.conf" "$DBUSPOLICYDIR/org.accelq.Scheduler1.conf"
	inst 0644 "$REPO/data/org.accelq.Scheduler1.xml" "$DBUSIFACEDIR/org.accelq.Scheduler1.xml"
	inst 0644 "$REPO/data/60-accelq.rules" "$UDEVRULESDIR/60-accelq.rules"
	inst 0644 "$REPO/data/accelq.conf" "$MODULESLOADDIR/accelq.conf"
	inst 0644 "$REPO/data/accelq.sysusers" "$SYSUSERSDIR/accelq.conf"

	conf "$REPO/data/accelqd.conf" "$SYSCONFDIR/accelq/accelqd.conf"
	install -d -m 0755 "$D$SYSCONFDIR/accelq/tenants.d"
	for p in "$REPO"/data/tenants.d/*.conf.example; do
		conf "$p" "$SYSCONFDIR/accelq/tenants.d/$(basename "$p")"
	done

	if [ -z "$D" ]; then
		# Live system: the group of the udev rule, then let udev,
		# dbus-daemon and systemd see the new files.
		if command -v systemd-sysusers >/dev/null; then
			systemd-sysusers "$SYSUSERSDIR/accelq.conf" || true
		elif ! getent group accelq >/dev/null; then
			groupadd --system accelq || true
		fi
		if [ -d /run/udev ] && command -v udevadm >/dev/null; then
			udevadm control --reload || true
			udevadm trigger --subsystem-match=misc --sysname-match=accelq || true
		fi
		if busctl --system status >/dev/null 2>&1; then
			busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
				org.freedesktop.DBus ReloadConfig >/dev/null 2>&1 || true
		fi
		if [ -d /run/systemd/system ]; then
			systemctl daemon-reload || true
		fi
		echo "next: edit $SYSCONFDIR/accelq/tenants.d/*.conf, then systemctl enable --now accelqd"
	fi
}

module() {
	need "$KO"
	local kver=${KVER:-}
	if [ -z "$kver" ]; then
		kver=$(modinfo -F vermagic "$KO" | cut -d' ' -f1)
	fi
	[ -n "$kver" ] || { echo "install.sh: cannot tell the kernel of $KO; give KVER=" >&2; exit 1; }
	echo "installing accelq.ko for $kver into ${D:-/}"
	inst 0644 "$KO" "/lib/modules/$kver/updates/accelq.ko"
	if [ -z "$D" ]; then
		depmod -a "$kver"
		say "depmod -a $kver"
		echo "next: modprobe accelq (or reboot: $MODULESLOADDIR/accelq.conf loads it)"
	else
		say "DESTDIR set: run depmod -a $kver on the target"
	fi
}

dkms() {
	local src=/usr/src/accelq-$VERSION f
	echo "installing the accelq $VERSION module sources into ${D:-/}$src"
	rm -rf "$D$src"
	install -d -m 0755 "$D$src/kmod" "$D$src/uapi/linux"
	install -m 0644 "$REPO/Kbuild" "$D$src/Kbuild"
	for f in "$REPO"/kmod/*.c "$REPO"/kmod/*.h; do
		install -m 0644 "$f" "$D$src/kmod/"
	done
	install -m 0644 "$REPO/uapi/linux/accelq.h" "$D$src/uapi/linux/accelq.h"
	sed "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$VERSION\"/" \
		"$REPO/dkms.conf" >"$D$src/dkms.conf"
	chmod 0644 "$D$src/dkms.conf"
	# A Makefile of its own: the module only, "make KDIR=DIR [module|clean]".
	cat >"$D$src/Makefile" <<'EOF'
# SPDX-License-Identifier: GPL-2.0-only
# accelq kernel module, DKMS source tree (installed by make dkms-install).
#   make KDIR=/lib/modules/$(uname -r)/build [module|clean]
SRC  := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

.PHONY: all module modules clean
all module modules:
	$(MAKE) -C $(KDIR) M=$(SRC) modules
clean:
	$(MAKE) -C $(KDIR) M=$(SRC) clean
EOF
	say "$src"
	if [ -z "$D" ]; then
		echo "next: dkms add accelq/$VERSION && dkms install accelq/$VERSION"
	fi
}

uninstall() {
	local p f
	echo "removing accelq userspace from ${D:-/} (configuration in $SYSCONFDIR/accelq stays)"
	for p in "${PROGRAMS[@]}"; do
		f=${p#*:}
		rm -f "$D$f" && say "rm $f"
	done
	for f in "$UNITDIR/accelqd.service" \
		"$DBUSPOLICYDIR/org.accelq.Scheduler1.conf" \
		"$DBUSIFACEDIR/org.accelq.Scheduler1.xml" \
		"$UDEVRULESDIR/60-accelq.rules" \
		"$MODULESLOADDIR/accelq.conf" \
		"$SYSUSERSDIR/accelq.conf"; do
		rm -f "$D$f" && say "rm $f"
	done
	if [ -z "$D" ] && [ -d /run/systemd/system ]; then
		systemctl daemon-reload || true
	fi
}

"$cmd"
