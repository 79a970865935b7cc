#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# accelq installed the way an operator installs it, in a QEMU guest with
# systemd as PID 1; TAP output:
#
#   make && tests/ops/fetch-debs.sh && \
#       scripts/vm --init systemd -- tests/ops/systemd.sh
#
# Everything is written to the guest's throw-away overlay root (with an
# overlay on /lib/modules/KVER, which the harness shares read-only):
# scripts/install.sh userspace and module (what make install PREFIX=/usr
# and make install-module run), the accelq group from sysusers.d, the
# module loaded by systemd-modules-load, /dev/accelq's mode and group from
# the udev rule (udev unpacked from .cache/ops-debs: the host has none),
# the installed accelqd.service with a tenant from /etc/accelq, the
# installed accelqctl as root and as the tenant, the installed interface
# XML against the live object, uninstall, and the DKMS route (dkms unpacked
# from .cache/ops-debs: make dkms-install, dkms add/build/install, modprobe).
#
# Environment: OPS_DKMS=1 also builds and installs the module with DKMS
# (scripts/vm --env OPS_DKMS=1 ...; about 5 minutes under TCG).

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
DEBS=${ACCELQ_CACHE:-$REPO/.cache}/ops-debs
INSTALL=$REPO/scripts/install.sh
NL=$REPO/tools/accelq-nl
V=$(uname -r)
ALICE=1001	# tenant alice, member of the group accelq
EVE=1003	# no tenant, not in the group
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0 PAGER=cat

n=0
failed=0
# ok, nok, skip, check, wait_until, as, nlget
. "$REPO/tests/lib/tap.sh"
diag() { [ -z "$*" ] || sed 's/^/# /' <<<"$*"; }
# unpack DEB: a Debian package into the overlay root, keeping the
# merged-/usr symlinks (/lib -> usr/lib ...)
unpack() {
	local t
	t=$(mktemp -d /run/deb.XXXXXX)
	dpkg-deb -x "$1" "$t" && (cd "$t" && tar cf - .) | (cd / && tar xf - --keep-directory-symlink)
	local rc=$?
	rm -rf "$t"
	return $rc
}

echo "TAP version 13"
T_START=$SECONDS
section() { diag "--- $* (t=$((SECONDS - T_START)) s)"; }
if [ "$(cat /proc/1/comm)" != systemd ] || [ -z "${ACCELQ_IN_VM:-}" ]; then
	echo "1..0 # SKIP needs systemd as PID 1 in the guest (scripts/vm --init systemd -- $0)"
	exit 0
fi
for f in "$REPO/accelq.ko" "$REPO/daemon/accelqd" "$REPO/tools/accelqctl" \
	"$REPO/tools/accelq-nl" "$REPO/tools/accelq-load" "$REPO/bpf/accelq-top"; do
	[ -e "$f" ] || { echo "Bail out! $f is missing: build first (make)"; exit 1; }
done

# /lib/modules/$V is the harness's read-only share: put an overlay on it.
mkdir -p /run/aqmods/upper /run/aqmods/work
mount -t overlay overlay -o "lowerdir=/lib/modules/$V,upperdir=/run/aqmods/upper,workdir=/run/aqmods/work" \
	"/lib/modules/$V" || { echo "Bail out! overlay on /lib/modules/$V"; exit 1; }

# udev, unpacked (the host has none; the guest boots without it).
section udev
have_udev=
if ls "$DEBS"/udev_*.deb >/dev/null 2>&1 && unpack "$DEBS"/udev_*.deb; then
	systemctl daemon-reload
	if systemctl start systemd-udevd.service 2>/dev/null; then
		have_udev=1
	fi
fi
diag "udev: ${have_udev:-not available (tests/ops/fetch-debs.sh on the host)}"

# Test users (the overlay's /etc is writable).
for u in alice:$ALICE eve:$EVE; do
	grep -q "^ops${u%%:*}:" /etc/passwd ||
		echo "ops${u%%:*}:x:${u#*:}:${u#*:}::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
	grep -q "^ops${u%%:*}:" /etc/group || echo "ops${u%%:*}:x:${u#*:}:" >>/etc/group
done

# ------------------------------------------------------------ userspace --
section userspace
out=$("$INSTALL" PREFIX=/usr userspace 2>&1)
rc=$?
diag "$out"
check "install.sh PREFIX=/usr userspace (make install PREFIX=/usr) exits 0" test $rc = 0
check "programs in /usr/sbin and /usr/bin" bash -c \
	'for f in /usr/sbin/accelqd /usr/bin/accelqctl /usr/bin/accelq-nl /usr/bin/accelq-load /usr/bin/accelq-top; do [ -x $f ] || exit 1; done'
check "the accelq group exists (sysusers.d)" getent group accelq
GID=$(getent group accelq | cut -d: -f3)
# (/lib is /usr/lib on merged-/usr Debian; systemd may name either)
check "systemd knows accelqd.service from /usr/lib/systemd/system" \
	bash -c 'systemctl cat accelqd.service | grep -Eq "^# (/usr)?/lib/systemd/system/accelqd.service"'

# --------------------------------------------------------------- module --
section module
out=$("$INSTALL" module 2>&1)
rc=$?
diag "$out"
check "install.sh module (make install-module) exits 0" test $rc = 0
check "accelq.ko in /lib/modules/$V/updates" test -f "/lib/modules/$V/updates/accelq.ko"
check "modinfo finds it after depmod ($(modinfo -n accelq 2>&1))" \
	test "$(modinfo -n accelq 2>/dev/null)" = "/lib/modules/$V/updates/accelq.ko"
systemctl restart systemd-modules-load.service
check "systemd-modules-load loads it (modules-load.d/accelq.conf)" \
	wait_until 10 'test -d /sys/module/accelq'
check "systemd-modules-load succeeded" \
	test "$(systemctl show -p Result --value systemd-modules-load.service)" = success

if [ -n "$have_udev" ]; then
	udevadm settle -t 10
	st=$(stat -c '%U:%G %a' /dev/accelq)
	check "udev: /dev/accelq is root:accelq 0660 ($st)" test "$st" = "root:accelq 660"
	out=$(setpriv --reuid=$EVE --regid=$EVE --clear-groups -- accelq-load --seconds 1 2>&1)
	check "a user outside the group cannot open it ($out)" grep -q "Permission denied" <<<"$out"
else
	skip "udev: /dev/accelq is root:accelq 0660" "no udev"
	skip "a user outside the group cannot open it" "no udev"
fi

# -------------------------------------------------------------- daemon --
section daemon
cat >/etc/accelq/tenants.d/alice.conf <<EOF
[tenant]
uid = $ALICE
cap = 40%

[budget]
seconds = 600
window = hour
EOF
sed -i 's/^sample_interval_ms = .*/sample_interval_ms = 500/' /etc/accelq/accelqd.conf
out=$(timeout 120 systemctl enable --now accelqd 2>&1)
rc=$?
diag "$out"
check "systemctl enable --now accelqd" test $rc = 0
check "accelqd active" test "$(systemctl is-active accelqd)" = active
check "enabled for multi-user.target" test -L /etc/systemd/system/multi-user.target.wants/accelqd.service
check "tenant alice in the kernel with cap 40 ms" \
	wait_until 10 'test "$(nlget alice cap_quota_ns)" = 40000000'
out=$(setpriv --reuid=$ALICE --regid=$ALICE --groups=$GID -- accelq-load --seconds 1 --cost-us 500 2>&1)
diag "$out"
check "alice (group accelq) submits, charged to her tenant" \
	grep -q "tenant=$(nlget alice id) " <<<"$out"
out=$(/usr/bin/accelqctl status 2>&1)
diag "$out"
check "installed accelqctl status as root" \
	bash -c 'grep -q "^Tenants: *1 configured" <<<"$0" && grep -q "^Engines: *2" <<<"$0"' "$out"
out=$(setpriv --reuid=$ALICE --regid=$ALICE --clear-groups -- /usr/bin/accelqctl me 2>&1)
check "installed accelqctl me as alice" grep -q "^Tenant: *alice$" <<<"$out"
out=$(setpriv --reuid=$ALICE --regid=$ALICE --clear-groups -- /usr/bin/accelqctl tenants 2>&1)
check "alice: accelqctl tenants -> AccessDenied" grep -q "org.freedesktop.DBus.Error.AccessDenied" <<<"$out"

# The installed interface description matches the live objects.
xml_members() {
	python3 -c 'import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
for i in r.iter("interface"):
    if i.get("name").startswith("org.accelq."):
        for m in i:
            print(i.get("name"), m.tag, m.get("name"))' "$1" | sort
}
live_members() {
	local p
	for p in /org/accelq/Scheduler1 /org/accelq/Scheduler1/tenant/alice; do
		busctl --system introspect --xml-interface org.accelq.Scheduler1 $p
	done >/run/live.xml.raw
	python3 -c 'import sys, re, xml.etree.ElementTree as E
s = open(sys.argv[1]).read()
for doc in re.findall(r"<node.*?</node>", s, re.S):
    for i in E.fromstring(doc).iter("interface"):
        if i.get("name").startswith("org.accelq."):
            for m in i:
                print(i.get("name"), m.tag, m.get("name"))' /run/live.xml.raw | sort -u
}
xml_members /usr/share/dbus-1/interfaces/org.accelq.Scheduler1.xml >/run/xml.members
live_members >/run/live.members
diag "$(diff /run/xml.members /run/live.members)"
check "the installed interface XML lists exactly the live members ($(wc -l </run/xml.members))" \
	bash -c 'test -s /run/xml.members && cmp -s /run/xml.members /run/live.members'

sed -i 's/^cap = 40%/cap = 30%/' /etc/accelq/tenants.d/alice.conf
out=$(/usr/bin/accelqctl reload 2>&1)
check "accelqctl reload applies the edited file (cap 30 ms)${out:+ ($out)}" \
	wait_until 5 'test "$(nlget alice cap_quota_ns)" = 30000000'
sed -i 's/^cap = 30%/cap = 35%/' /etc/accelq/tenants.d/alice.conf
systemctl reload accelqd
check "systemctl reload accelqd applies it too (cap 35 ms)" \
	wait_until 10 'test "$(nlget alice cap_quota_ns)" = 35000000'
out=$(/usr/bin/accelq-top --once --interval 300 2>&1)
diag "$out"
check "installed accelq-top reads accelqd's pinned maps (alice's id, jobs ok)" \
	bash -c 'grep -q "pinned /sys/fs/bpf/accelq" <<<"$0" &&
		awk -v id="$1" '\''$1 == id && $4 > 0 { f = 1 } END { exit !f }'\'' <<<"$0"' "$out" "$(nlget alice id)"

check "systemctl stop accelqd" systemctl stop accelqd
check "modprobe -r accelq after the daemon stopped" modprobe -r accelq

# ------------------------------------------------------------ uninstall --
section uninstall
out=$("$INSTALL" PREFIX=/usr uninstall 2>&1)
rc=$?
check "install.sh uninstall exits 0" test $rc = 0
check "programs, unit, policy, rules gone" bash -c '
	for f in /usr/sbin/accelqd /usr/bin/accelqctl /usr/lib/systemd/system/accelqd.service \
		/usr/share/dbus-1/system.d/org.accelq.Scheduler1.conf /usr/lib/udev/rules.d/60-accelq.rules \
		/usr/lib/modules-load.d/accelq.conf; do [ ! -e $f ] || { echo "# $f"; exit 1; }; done'
check "configuration kept" test -f /etc/accelq/tenants.d/alice.conf -a -f /etc/accelq/accelqd.conf
# (make install-module's copy goes; dkms install runs depmod below)
rm -f "/lib/modules/$V/updates/accelq.ko"

# ----------------------------------------------------------------- DKMS --
section DKMS
if ! ls "$DEBS"/dkms_*.deb >/dev/null 2>&1 || ! unpack "$DEBS"/dkms_*.deb; then
	skip "DKMS: dkms-install, dkms add" "no dkms package (tests/ops/fetch-debs.sh on the host)"
	ver=
else
	ver=$(cat "$REPO/VERSION" 2>/dev/null || echo 0.1)
	out=$("$INSTALL" dkms 2>&1)
	check "install.sh dkms (make dkms-install) into /usr/src/accelq-$ver" \
		test -f "/usr/src/accelq-$ver/dkms.conf" -a -f "/usr/src/accelq-$ver/Kbuild"
	out=$(dkms add "accelq/$ver" 2>&1)
	check "dkms add accelq/$ver" test $? = 0
	diag "$out"
	check "dkms status: added" bash -c 'dkms status accelq | grep -q "accelq/'"$ver"'.*added"'
fi
if [ -z "$ver" ]; then
	skip "DKMS: build, install, modprobe" "no dkms"
elif [ -z "${OPS_DKMS:-}" ]; then
	skip "DKMS: build, install, modprobe" "the build takes ~5 min under TCG: OPS_DKMS=1 runs it"
	dkms remove "accelq/$ver" --all >/dev/null 2>&1
else
	SECONDS_DKMS=$SECONDS
	out=$(dkms build "accelq/$ver" -k "$V" 2>&1)
	rc=$?
	diag "$(tail -5 <<<"$out")"
	[ $rc = 0 ] || diag "$(cat /var/lib/dkms/accelq/"$ver"/build/make.log 2>/dev/null | tail -20)"
	check "dkms build -k $V ($((SECONDS - SECONDS_DKMS)) s)" test $rc = 0
	out=$(dkms install "accelq/$ver" -k "$V" 2>&1)
	rc=$?
	diag "$(tail -5 <<<"$out")"
	check "dkms install -k $V" test $rc = 0
	p=$(modinfo -n accelq 2>&1)
	check "modinfo: the DKMS module in updates/ ($p)" \
		bash -c '[[ $0 == /lib/modules/'"$V"'/updates/* ]]' "$p"
	check "dkms status: installed" bash -c 'dkms status accelq | grep -q "installed"'
	check "modprobe accelq loads the DKMS build" bash -c 'modprobe accelq && test -d /sys/module/accelq'
	check "and it works (2 engines)" test "$("$NL" engine list 2>/dev/null | wc -l)" = 2
	modprobe -r accelq
	out=$(dkms remove "accelq/$ver" --all 2>&1)
	check "dkms remove --all" test $? = 0
fi

section end
echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
