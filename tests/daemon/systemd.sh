#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# accelqd as a hardened systemd service, TAP output. Runs in a guest booted
# with systemd as PID 1:
#
#   scripts/vm --init systemd -- tests/daemon/systemd.sh
#
# Installs daemon/accelqd as /usr/sbin/accelqd, data/accelqd.service and
# the D-Bus policy into the guest's (writable, throw-away) overlay, loads
# accelq.ko, and checks that the unit under all its sandboxing becomes
# ready, configures the kernel, loads the BPF collectors, serves D-Bus and
# metrics, reloads, survives a watchdog-less SIGKILL via Restart=, and
# stops cleanly; prints systemd-analyze security of the installed unit.

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
KO=${ACCELQ_KO:-$REPO/accelq.ko}
NL=$REPO/tools/accelq-nl
export SYSTEMD_PAGER= SYSTEMD_COLORS=0 PAGER=cat

n=0
failed=0
# ok, nok, skip, check, wait_until, as, nlget
. "$REPO/tests/lib/tap.sh"

echo "TAP version 13"
if [ "$(cat /proc/1/comm)" != systemd ]; then
	echo "1..0 # SKIP needs systemd as PID 1 (scripts/vm --init systemd -- $0)"
	exit 0
fi

[ -d /sys/module/accelq ] || insmod "$KO" || { echo "Bail out! insmod"; exit 1; }
install -m 0755 "$REPO/daemon/accelqd" /usr/sbin/accelqd
install -m 0644 "$REPO/data/accelqd.service" /etc/systemd/system/accelqd.service
install -D -m 0644 "$REPO/data/org.accelq.Scheduler1.conf" \
	/usr/share/dbus-1/system.d/org.accelq.Scheduler1.conf
mkdir -p /etc/accelq/tenants.d
cp "$REPO/data/accelqd.conf" /etc/accelq/accelqd.conf
cat >/etc/accelq/tenants.d/alice.conf <<EOF
[tenant]
uid = 1001
cap = 25%

[budget]
seconds = 100
window = hour
EOF
grep -q '^aqalice:' /etc/passwd ||
	echo "aqalice:x:1001:1001::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
systemctl daemon-reload
systemctl start dbus.socket dbus.service 2>/dev/null
busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
	org.freedesktop.DBus ReloadConfig >/dev/null 2>&1

check "systemctl start accelqd (Type=notify: returns once READY=1)" \
	timeout 120 systemctl start accelqd
check "active" test "$(systemctl is-active accelqd)" = active
journalctl -u accelqd --no-pager -o cat >/tmp/accelqd.journal 2>&1
sed 's/^/# /' /tmp/accelqd.journal
check "the kernel has tenant alice with its cap (25 ms)" \
	test "$(nlget alice cap_quota_ns)" = 25000000
check "BPF collectors load under the sandbox" \
	grep -q "BPF collectors attached" /tmp/accelqd.journal
check "maps pinned in /sys/fs/bpf/accelq" test -e /sys/fs/bpf/accelq/usage
check "state file in StateDirectory=" \
	wait_until 5 'test -s /var/lib/accelq/state'
out=$(setpriv --reuid=1001 --regid=1001 --clear-groups busctl --no-pager \
	--system call org.accelq.Scheduler1 /org/accelq/Scheduler1 \
	org.accelq.Scheduler1.Manager GetMyTenant 2>&1)
check "D-Bus: alice's GetMyTenant ($out)" \
	test "$out" = 'o "/org/accelq/Scheduler1/tenant/alice"'
out=$(curl -sf http://127.0.0.1:9640/metrics | promtool check metrics 2>&1)
check "metrics on localhost pass promtool${out:+: $out}" \
	bash -c 'curl -sf http://127.0.0.1:9640/metrics | grep -q "tenant=\"alice\"" && test -z "$0"' "$out"
out=$(systemctl show accelqd -p WatchdogUSec --value)
check "watchdog armed ($out)" test "$out" = 30s

sed -i 's/^cap = 25%/cap = 30%/' /etc/accelq/tenants.d/alice.conf
systemctl reload accelqd
check "systemctl reload applies (cap 30 ms)" \
	wait_until 10 'test "$(nlget alice cap_quota_ns)" = 30000000'

pid=$(systemctl show accelqd -p MainPID --value)
kill -KILL "$pid"
check "after SIGKILL the kernel keeps the cap" \
	test "$(nlget alice cap_quota_ns)" = 30000000
check "Restart=on-failure brings it back" \
	wait_until 30 'test "$(systemctl show accelqd -p MainPID --value)" != "$pid" -a "$(systemctl is-active accelqd)" = active'

check "systemctl stop: clean" systemctl stop accelqd
out=$(systemctl show accelqd -p Result --value)
check "stopped with result $out" test "$out" = success
check "BPF links gone after stop: the module can be unloaded" \
	bash -c 'rmmod accelq && insmod "$0"' "$KO"

echo "# $(systemd-analyze security --no-pager accelqd.service 2>&1 | tail -1)"
echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
