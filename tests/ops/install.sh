#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make install, install-module, dkms-install and uninstall into staging
# directories, on the host; TAP output. Safe anywhere: every write goes
# below a temporary DESTDIR (nothing is loaded, no depmod, udevadm,
# systemctl or systemd-sysusers runs). Needs a built tree (make).
#
#   tests/ops/install.sh
#
# Also builds the module from the DKMS source tree against the guest
# kernel's headers (KDIR, when present) and fetches the udev and dkms
# packages tests/ops/systemd.sh unpacks in its guest
# (tests/ops/fetch-debs.sh; OPS_NO_FETCH=1 skips that).

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
T=$(mktemp -d /tmp/accelq-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
VER=$(cat "$REPO/VERSION" 2>/dev/null || echo 0.1)

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
diag() { [ -z "$*" ] || sed 's/^/# /' <<<"$*"; }
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}
# mode FILE: octal permission bits
mode() { stat -c '%a' "$1" 2>/dev/null; }

echo "TAP version 13"
for f in accelq.ko daemon/accelqd tools/accelqctl tools/accelq-nl tools/accelq-load bpf/accelq-top; do
	if [ ! -e "$REPO/$f" ]; then
		echo "1..0 # SKIP $f is not built (make)"
		exit 0
	fi
done

# ---------------------------------------------------------- make install --
D=$T/root
out=$(make -s -C "$REPO" install DESTDIR="$D" PREFIX=/usr 2>&1)
rc=$?
diag "$out"
check "make install DESTDIR=... PREFIX=/usr exits 0" test $rc = 0

files=(
	"/usr/sbin/accelqd 755"
	"/usr/bin/accelqctl 755"
	"/usr/bin/accelq-nl 755"
	"/usr/bin/accelq-top 755"
	"/usr/bin/accelq-load 755"
	"/usr/lib/systemd/system/accelqd.service 644"
	"/usr/share/dbus-1/system.d/org.accelq.Scheduler1.conf 644"
	"/usr/share/dbus-1/interfaces/org.accelq.Scheduler1.xml 644"
	"/usr/lib/udev/rules.d/60-accelq.rules 644"
	"/usr/lib/modules-load.d/accelq.conf 644"
	"/usr/lib/sysusers.d/accelq.conf 644"
	"/etc/accelq/accelqd.conf 644"
	"/etc/accelq/tenants.d/alice.conf.example 644"
	"/etc/accelq/tenants.d/team-ml.conf.example 644"
)
for e in "${files[@]}"; do
	f=${e% *}
	m=${e#* }
	check "$f, mode $m" test "$(mode "$D$f")" = "$m"
done
check "/etc/accelq/tenants.d is a directory" test -d "$D/etc/accelq/tenants.d"
extra=$(cd "$D" && find . -type f | sed 's/^\.//' | sort | while read -r f; do
	printf '%s\n' "${files[@]}" | grep -q "^$f " || echo "$f"
done)
check "nothing else installed${extra:+: $extra}" test -z "$extra"
check "installed programs are the built ones" \
	cmp -s "$D/usr/bin/accelqctl" "$REPO/tools/accelqctl"
check "installed accelqctl runs (--version)" \
	bash -c '"$0/usr/bin/accelqctl" --version | grep -q "^accelqctl $1$"' "$D" "$VER"
check "unit: ExecStart=/usr/sbin/accelqd" \
	grep -qx "ExecStart=/usr/sbin/accelqd" "$D/usr/lib/systemd/system/accelqd.service"
check "unit otherwise identical to data/accelqd.service" \
	cmp -s "$D/usr/lib/systemd/system/accelqd.service" "$REPO/data/accelqd.service"
check "udev rule: /dev/accelq root:accelq 0660" \
	grep -Eq '^KERNEL=="accelq", SUBSYSTEM=="misc", OWNER="root", GROUP="accelq", MODE="0660"$' \
	"$D/usr/lib/udev/rules.d/60-accelq.rules"
check "sysusers.d creates the group accelq" grep -qx "g accelq -" "$D/usr/lib/sysusers.d/accelq.conf"
check "modules-load.d names accelq" \
	bash -c 'grep -v "^#" "$0" | grep -qx accelq' "$D/usr/lib/modules-load.d/accelq.conf"
check "D-Bus policy and interface are well-formed XML" \
	python3 -c 'import sys, xml.etree.ElementTree as E; [E.parse(f) for f in sys.argv[1:]]' \
	"$D/usr/share/dbus-1/system.d/org.accelq.Scheduler1.conf" \
	"$D/usr/share/dbus-1/interfaces/org.accelq.Scheduler1.xml"
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze security --offline=yes --root="$D" accelqd.service 2>&1 | tail -1)
	check "systemd-analyze security of the installed unit: $out" \
		grep -q "Overall exposure level for accelqd.service: [0-2]\.[0-9] OK" <<<"$out"
fi
out=$("$D/usr/sbin/accelqd" --config "$D/etc/accelq" --check-config 2>&1)
rc=$?
diag "$out"
check "accelqd --check-config accepts the installed configuration" test $rc = 0
for f in "$D"/etc/accelq/tenants.d/*.conf.example; do
	cp "$f" "${f%.example}"
done
sed -i "s|^state_dir = .*|state_dir = $T/state|" "$D/etc/accelq/accelqd.conf"
out=$("$D/usr/sbin/accelqd" --config "$D/etc/accelq" --check-config 2>&1)
rc=$?
diag "$out"
check "... and the examples once renamed to .conf" \
	bash -c '[ $0 = 0 ] && grep -q "tenant alice:" <<<"$1" && grep -q "tenant team-ml:" <<<"$1"' "$rc" "$out"

# Existing configuration is kept.
echo "# local edit" >>"$D/etc/accelq/accelqd.conf"
cp "$D/etc/accelq/accelqd.conf" "$T/conf.before"
out=$(make -s -C "$REPO" install DESTDIR="$D" PREFIX=/usr 2>&1)
rc=$?
check "make install again exits 0" test $rc = 0
check "an existing accelqd.conf is not overwritten" cmp -s "$T/conf.before" "$D/etc/accelq/accelqd.conf"
check "the new one is next to it as accelqd.conf.dist" \
	cmp -s "$REPO/data/accelqd.conf" "$D/etc/accelq/accelqd.conf.dist"
check "the tenants are untouched" test -f "$D/etc/accelq/tenants.d/alice.conf"

# PREFIX=/usr/local: programs move, the unit follows, system directories do not.
L=$T/local
out=$(make -s -C "$REPO" install DESTDIR="$L" 2>&1)
check "make install (default PREFIX=/usr/local)" \
	test -x "$L/usr/local/sbin/accelqd" -a -x "$L/usr/local/bin/accelqctl"
check "unit: ExecStart=/usr/local/sbin/accelqd" \
	grep -qx "ExecStart=/usr/local/sbin/accelqd" "$L/usr/lib/systemd/system/accelqd.service"
check "D-Bus policy and udev rule still where dbus-daemon and udev look" \
	test -f "$L/usr/share/dbus-1/system.d/org.accelq.Scheduler1.conf" -a \
	-f "$L/usr/lib/udev/rules.d/60-accelq.rules"

# --------------------------------------------------------- install-module --
M=$T/mod
kver=$(modinfo -F vermagic "$REPO/accelq.ko" | cut -d' ' -f1)
out=$("$REPO/scripts/install.sh" DESTDIR="$M" module 2>&1)
rc=$?
diag "$out"
check "install-module DESTDIR=...: exits 0" test $rc = 0
check "accelq.ko in /lib/modules/$kver/updates/ (the kernel it was built for)" \
	cmp -s "$REPO/accelq.ko" "$M/lib/modules/$kver/updates/accelq.ko"
check "no depmod into a DESTDIR" test ! -e "$M/lib/modules/$kver/modules.dep"
out=$("$REPO/scripts/install.sh" DESTDIR="$M" KVER=9.9.9-test module 2>&1)
check "KVER= overrides it" test -f "$M/lib/modules/9.9.9-test/updates/accelq.ko"
# (dkms-install: the same arguments as install-module, without building)
check "the Makefile passes KVER only when given" \
	bash -c '! make -s -n -C "$0" dkms-install 2>/dev/null | grep -q "install.sh.*KVER=" &&
		make -s -n -C "$0" dkms-install KVER=x 2>/dev/null | grep -q "install.sh.*KVER=\"x\""' "$REPO"

# ----------------------------------------------------------- dkms-install --
K=$T/dkms
out=$(make -s -C "$REPO" dkms-install DESTDIR="$K" 2>&1)
rc=$?
diag "$out"
S=$K/usr/src/accelq-$VER
check "make dkms-install DESTDIR=...: /usr/src/accelq-$VER" test $rc = 0 -a -d "$S"
check "sources: Kbuild, kmod/*.[ch], uapi/linux/accelq.h, Makefile, dkms.conf" bash -c '
	cd "$0" && test -f Kbuild -a -f Makefile -a -f dkms.conf -a -f uapi/linux/accelq.h &&
	test "$(ls kmod/*.c | wc -l)" = "$(ls "$1"/kmod/*.c | wc -l)" &&
	test "$(ls kmod/*.h | wc -l)" = "$(ls "$1"/kmod/*.h | wc -l)"' "$S" "$REPO"
# dkms.conf is shell; dkms sources it with these set.
vals=$(kernel_source_dir=/KSRC dkms_tree=/var/lib/dkms bash -c '. "$0/dkms.conf"
	echo "$PACKAGE_NAME|$PACKAGE_VERSION|${BUILT_MODULE_NAME[0]}|${DEST_MODULE_LOCATION[0]}|${MAKE[0]}|$CLEAN|$AUTOINSTALL"' "$S")
diag "$vals"
check "dkms.conf: accelq $VER, module accelq into /updates, MAKE with KDIR=\$kernel_source_dir" \
	test "$vals" = "accelq|$VER|accelq|/updates|make KDIR=/KSRC module|make KDIR=/KSRC clean|yes"
KDIR=/usr/src/linux-headers-$(cd "$REPO" && scripts/fetch-kernel.sh --print-ver 2>/dev/null)
if [ -d "$KDIR" ]; then
	cp -a "$S" "$T/build"
	out=$(cd "$T/build" && make KDIR="$KDIR" module 2>&1)
	rc=$?
	[ $rc = 0 ] || diag "$out"
	check "the DKMS tree builds accelq.ko with its MAKE line (KDIR=$KDIR)" \
		test $rc = 0 -a -f "$T/build/accelq.ko"
	out=$(cd "$T/build" && make KDIR="$KDIR" clean 2>&1)
	check "and its CLEAN line cleans" test $? = 0 -a ! -e "$T/build/accelq.ko"
else
	skip "the DKMS tree builds accelq.ko" "no headers in $KDIR"
	skip "and its CLEAN line cleans" "no headers"
fi

# ------------------------------------------------------------- uninstall --
out=$(make -s -C "$REPO" uninstall DESTDIR="$D" PREFIX=/usr 2>&1)
rc=$?
check "make uninstall DESTDIR=... PREFIX=/usr exits 0" test $rc = 0
left=$(cd "$D" && find . -type f | sed 's/^\.//' | grep -v '^/etc/accelq/' | sort)
check "only /etc/accelq is left${left:+: $left}" test -z "$left"

# ---------------------------------------------- packages for the guest test --
if [ -z "${OPS_NO_FETCH:-}" ]; then
	out=$("$REPO/tests/ops/fetch-debs.sh" 2>&1)
	diag "$out"
	if ls "$(tail -1 <<<"$out")"/dkms_*.deb >/dev/null 2>&1; then
		ok "udev and dkms packages cached for tests/ops/systemd.sh"
	else
		skip "udev and dkms packages cached for tests/ops/systemd.sh" "download failed"
	fi
fi

echo "1..$n"
diag "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
