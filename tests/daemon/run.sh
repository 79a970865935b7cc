#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# accelqd in a QEMU guest, TAP output. Run as root inside the guest:
#
#   make -C daemon && make -C tests/daemon && make module
#   scripts/vm -- tests/daemon/run.sh
#
# Loads accelq.ko (if not loaded), starts a system dbus-daemon with the
# policy from data/, adds test users, starts accelqd on a test
# configuration and checks: start-up refusal of a bad configuration,
# READY=1, kernel tenants, D-Bus authorisation (tenant user vs. other users
# vs. root), SetTenantQuota reaching the kernel, /metrics through promtool,
# budget exhaustion (QuotaExceeded seen by the tenant's own bus client, the
# measured share dropping to the floor), SIGKILL and restart (the kernel
# keeps the floor cap, budgets and counters carry on), recovery in the next
# window, SIGHUP and D-Bus Reload (good and bad), removal of a tenant, a
# module reload while the daemon runs, and a real Prometheus scraping it.
#
# Environment: ACCELQ_KO (module to load, default ./accelq.ko),
# AQD_SKIP_PROMETHEUS=1, AQD_KEEP=1 (leave the work directory).

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
T=$REPO/tests/daemon
ACCELQD=$REPO/daemon/accelqd
NL=$REPO/tools/accelq-nl
KO=${ACCELQ_KO:-$REPO/accelq.ko}
W=$(mktemp -d /tmp/accelqd-test.XXXXXX)
C=$W/conf
LOG=$W/accelqd.log
RES=${ACCELQ_OUT:-$W}/daemon
mkdir -p "$RES" "$C/tenants.d"

ALICE=1001	# owns tenant alice (uid match), has a budget
BOB=1002	# owns tenant team.a-1 (cgroup match)
EVE=1003	# owns nothing
CAROL=1004	# owns tenant carol, removed later
CG=/sys/fs/cgroup/aqtest
WINDOW=90	# budget window of alice, seconds
BUDGET=3	# alice's budget per window, engine-seconds
# Shares alice must reach while running at her 50 % cap: before the budget
# is used (CAP_MIN < share < 0.6) and back in the next window (> BACK_MIN).
CAP_MIN=0.35
BACK_MIN=0.3

# The debug kernel of make check-debug (KASAN, lockdep, kmemleak...; its
# release ends in "accelq-debug", docs/check-debug.md) runs this suite
# about 4x slower under TCG (684 s against ~170 s), and four checks of
# test_budget failed there for time, not for the daemon: (1) after each
# 1 ms job the engine most likely stays idle for a good part of a
# millisecond (timer expiry, completion, the next dispatch, all under
# KASAN) that no tenant is charged: alice at her 50 % cap measured 0.32;
# (2) from the start of
# the load to the daemon's restart takes ~25 s on the stock kernel, ~100 s
# there: more than the >= 60 s left of the 90 s window the test starts
# in, so (inferred; that run kept no daemon log) the window rolled
# meanwhile, alice ran out again in the next one
# ("no second QuotaExceeded after the restart"), and was at her floor
# again when the next window was checked ("the configured cap is back",
# share 0.061). On the debug kernel the window is therefore 240 s (the
# test starts with >= 160 s of it left) and the shares at the cap need
# only be above 0.2; the diagnostics say where in the window the budget
# ran out and the daemon restarted. Alice's budget is 6 s there, so that
# the share in the next window is measured before she spends it again
# (share 0.048 with 3 s). The stock kernel keeps the values above.
DEBUG_KERNEL=
if [[ $(uname -r) == *accelq-debug* ]] ||
	{ [ -r /proc/config.gz ] && zcat /proc/config.gz | grep -q '^CONFIG_KASAN=y$'; }; then
	DEBUG_KERNEL=1
	WINDOW=240
	BUDGET=6
	CAP_MIN=0.2
	BACK_MIN=0.2
fi

DEST=org.accelq.Scheduler1
MPATH=/org/accelq/Scheduler1
MIFACE=org.accelq.Scheduler1.Manager
TIFACE=org.accelq.Scheduler1.Tenant
export SYSTEMD_PAGER= SYSTEMD_COLORS=0 PAGER=cat

n=0
failed=0
DPID=
PIDS=()

# ok, nok, skip, check, wait_until, as, nlget
. "$REPO/tests/lib/tap.sh"
diag() { echo "# $*"; }
bus() { busctl --no-pager --system "$@"; }
# dbus-send prints the D-Bus error name, busctl does not.
dsend() {
	dbus-send --system --print-reply --dest=$DEST "$@" 2>&1
}
tpath() {
	local p
	p=$(bus call $DEST $MPATH $MIFACE GetTenant s "$1" 2>/dev/null) || return 1
	p=${p#o \"}
	echo "${p%\"}"
}
# tprop NAME PROP [UID]: the value only ("t 5" -> "5", strings unquoted)
tprop() {
	local uid=${3:-0} out
	out=$(as "$uid" busctl --no-pager --system get-property $DEST \
		"$(busctl_path "$1")" $TIFACE "$2" 2>&1) || { echo "$out"; return 1; }
	out=${out#* }
	out=${out#\"}
	echo "${out%\"}"
}
busctl_path() {
	# sd_bus_path_encode(): [A-Za-z0-9] kept, any other byte as _XX
	local n=$1 out= c i
	for ((i = 0; i < ${#n}; i++)); do
		c=${n:i:1}
		case $c in
		[A-Za-z0-9]) out+=$c ;;
		*) out+=$(printf '_%02x' "'$c") ;;
		esac
	done
	echo "/org/accelq/Scheduler1/tenant/$out"
}
metrics() { curl -sf --max-time 5 http://127.0.0.1:9640/metrics; }
metric() { metrics | awk -v k="$1" '$1 == k { print $2 }'; }

# share TENANT SECONDS: engine time over wall time, from the kernel's
# counter, across about SECONDS
share() {
	local b0 b1 t0 t1
	t0=$(date +%s%N)
	b0=$(nlget "$1" busy_ns)
	sleep "$2"
	t1=$(date +%s%N)
	b1=$(nlget "$1" busy_ns)
	awk -v b="$((b1 - b0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.3f\n", b / t }'
}
# window_pos: seconds into the current budget window (windows start at
# multiples of WINDOW since the epoch); window_of_now: its number
window_pos() { awk -v n="$(date +%s.%N)" -v w=$WINDOW 'BEGIN { printf "%.1f", n % w }'; }
window_of_now() { echo $(($(date +%s) / WINDOW)); }
# fcmp "EXPR": floating point comparison (awk syntax)
fcmp() { awk "BEGIN { exit !($1) }"; }

notify_listener() {
	python3 - "$W/notify.sock" "$W/notify.log" <<'EOF' &
import os, socket, sys
path, log = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(log, "a", buffering=1) as f:
    while True:
        f.write(s.recv(65536).decode().replace("\n", " ") + "\n")
EOF
	PIDS+=($!)
	wait_until 5 'test -S "$W/notify.sock"'
}

start_daemon() {
	: >"$W/notify.log"
	echo "--- start $(date +%T)" >>"$LOG"
	NOTIFY_SOCKET=$W/notify.sock "$ACCELQD" --config "$C" >>"$LOG" 2>&1 &
	DPID=$!
	wait_until 30 'grep -q READY=1 "$W/notify.log"'
}

stop_daemon() {
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID"
	local rc=$?
	DPID=
	return $rc
}

cleanup() {
	local p
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	pkill -P $$ 2>/dev/null
	cp "$LOG" "$RES/accelqd.log" 2>/dev/null
	[ -n "${AQD_KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

# ------------------------------------------------------------------ setup --

write_daemon_conf() {
	cat >"$C/accelqd.conf" <<EOF
[daemon]
metrics_listen = 127.0.0.1:9640
sample_interval_ms = 500
state_dir = $W/state
bpf = ${1:-yes}
EOF
}

write_config() {
	write_daemon_conf yes
	cat >"$C/tenants.d/alice.conf" <<EOF
# a uid tenant with a small budget in a short window
[tenant]
uid = $ALICE
cap = 50%

[budget]
seconds = $BUDGET
window = ${WINDOW}s
on_exhausted = throttle
floor = 5%
EOF
	cat >"$C/tenants.d/team.a-1.conf" <<EOF
# a cgroup tenant whose name needs escaping in object paths
[tenant]
cgroup = /aqtest/team
owner_uid = $BOB
weight = 200
classes = batch,latency
EOF
	cat >"$C/tenants.d/carol.conf" <<EOF
[tenant]
uid = $CAROL
EOF
}

setup() {
	echo "TAP version 13"
	if [ "$(id -u)" != 0 ] || [ -z "${ACCELQ_IN_VM:-}" ]; then
		echo "1..0 # SKIP run as root inside the guest (scripts/vm -- $0)"
		exit 0
	fi
	for f in "$ACCELQD" "$NL" "$T/aqload" "$T/aqwatch" "$KO"; do
		if [ ! -e "$f" ]; then
			echo "Bail out! $f is missing: build it first (make)"
			exit 1
		fi
	done
	if [ ! -d /sys/module/accelq ]; then
		insmod "$KO" || { echo "Bail out! insmod $KO failed"; exit 1; }
	fi
	# Test users (the guest's /etc is a writable overlay).
	local u
	for u in alice:$ALICE bob:$BOB eve:$EVE carol:$CAROL; do
		grep -q "^aq${u%%:*}:" /etc/passwd ||
			echo "aq${u%%:*}:x:${u#*:}:${u#*:}::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
		grep -q "^aq${u%%:*}:" /etc/group ||
			echo "aq${u%%:*}:x:${u#*:}:" >>/etc/group
	done
	# The system bus with our policy.
	mkdir -p /run/dbus /etc/dbus-1/system.d
	cp "$REPO/data/org.accelq.Scheduler1.conf" /etc/dbus-1/system.d/
	if ! busctl --system status >/dev/null 2>&1; then
		dbus-daemon --system --fork --print-pid >"$W/dbus.pid" ||
			{ echo "Bail out! dbus-daemon failed"; exit 1; }
		PIDS+=("$(cat "$W/dbus.pid")")
	fi
	mkdir -p "$CG/team"
	write_config
	notify_listener
}

# ------------------------------------------------------------------ tests --

test_bad_start() {
	local bad=$W/bad out rc
	mkdir -p "$bad/tenants.d"
	printf '[tenant]\nuid = 1001\nweight = 0\n' >"$bad/tenants.d/broken.conf"
	out=$(timeout 10 "$ACCELQD" --config "$bad" 2>&1)
	rc=$?
	diag "$out"
	check "a bad configuration at start-up: refuses to start (exit $rc)" \
		test "$rc" -ne 0 -a "$rc" -ne 124
	check "the message names file and line" \
		grep -q "tenants.d/broken.conf:3: weight=0: out of range" <<<"$out"
	out=$("$ACCELQD" --config "$C" --check-config 2>&1)
	check "--check-config accepts the test configuration" \
		grep -q "tenant team.a-1: cgroup=/aqtest/team owner_uid=$BOB weight=200" <<<"$out"
}

test_start() {
	check "accelqd starts and sends READY=1" start_daemon
	check "the bus name is owned" bash -c 'busctl --system status $0 >/dev/null' $DEST
	check "READY=1 came after the name was owned and the kernel configured" \
		awk '/Kernel configured/ { k = 1 } /Ready:/ { exit !k }' "$LOG"
	check "alice is in the kernel with cap 50% (50/100 ms)" \
		test "$(nlget alice cap_quota_ns)/$(nlget alice cap_period_ns)" = 50000000/100000000
	check "team.a-1 is in the kernel with weight 200" \
		test "$(nlget team.a-1 weight)" = 200
	check "carol is in the kernel" test -n "$(nlget carol id)"
}

test_bus_tenant_user() {
	local out
	out=$(as $ALICE busctl --no-pager --system call $DEST $MPATH $MIFACE GetMyTenant 2>&1)
	check "alice: GetMyTenant is her object ($out)" \
		test "$out" = 'o "/org/accelq/Scheduler1/tenant/alice"'
	check "alice: reads her BudgetSeconds ($BUDGET)" \
		test "$(tprop alice BudgetSeconds $ALICE)" = $BUDGET
	check "alice: reads her CapQuotaUSec (50000)" \
		test "$(tprop alice CapQuotaUSec $ALICE)" = 50000
	out=$(as $ALICE busctl --no-pager --system introspect $DEST "$MPATH/tenant/alice" 2>&1)
	check "alice: GetAll of her object works" grep -q "BudgetWindowSeconds.*$WINDOW" <<<"$out"
	out=$(as $ALICE dbus-send --system --print-reply --dest=$DEST \
		"$MPATH/tenant/team_2ea_2d1" org.freedesktop.DBus.Properties.Get \
		string:$TIFACE string:Weight 2>&1)
	diag "$out"
	check "alice: another tenant's property -> AccessDenied" \
		grep -q "org.freedesktop.DBus.Error.AccessDenied" <<<"$out"
	out=$(as $ALICE dbus-send --system --print-reply --dest=$DEST \
		"$MPATH/tenant/team_2ea_2d1" org.freedesktop.DBus.Properties.GetAll \
		string:$TIFACE 2>&1)
	check "alice: GetAll of another tenant -> AccessDenied" \
		grep -q "org.freedesktop.DBus.Error.AccessDenied" <<<"$out"
	out=$(as $ALICE dbus-send --system --print-reply --dest=$DEST $MPATH \
		$MIFACE.ListTenants 2>&1)
	diag "$out"
	check "alice: ListTenants -> AccessDenied" \
		grep -q "org.freedesktop.DBus.Error.AccessDenied" <<<"$out"
	out=$(as $ALICE dbus-send --system --print-reply --dest=$DEST $MPATH \
		$MIFACE.GetTenant string:team.a-1 2>&1)
	check "alice: GetTenant of another tenant -> AccessDenied" \
		grep -q "org.freedesktop.DBus.Error.AccessDenied" <<<"$out"
	out=$(as $ALICE busctl --no-pager --system call $DEST $MPATH $MIFACE SetTenantQuota 'sa{sv}' alice 1 Weight u 999 2>&1)
	diag "$out"
	# busctl shows any org.freedesktop.DBus.Error.AccessDenied as this:
	check "alice: SetTenantQuota -> AccessDenied" \
		grep -q "Call failed: Access denied" <<<"$out"
	check "alice: her weight did not change" test "$(nlget alice weight)" = 100
	out=$(as $ALICE dbus-send --system --print-reply --dest=$DEST $MPATH \
		$MIFACE.Reload 2>&1)
	check "alice: Reload -> AccessDenied" \
		grep -q "org.freedesktop.DBus.Error.AccessDenied" <<<"$out"
	out=$(as $ALICE busctl --no-pager --system tree $DEST 2>&1)
	check "alice: the object tree shows her tenant only" \
		bash -c 'grep -q "tenant/alice" <<<"$1" && ! grep -q "team_2ea_2d1\|carol" <<<"$1"' _ "$out"
	out=$(as $EVE dbus-send --system --print-reply --dest=$DEST $MPATH \
		$MIFACE.GetMyTenant 2>&1)
	diag "$out"
	check "eve (no tenant): GetMyTenant -> NoSuchTenant" \
		grep -q "org.accelq.Scheduler1.Error.NoSuchTenant" <<<"$out"
	out=$(as $EVE dbus-send --system --print-reply --dest=$DEST \
		"$MPATH/tenant/alice" org.freedesktop.DBus.Properties.Get \
		string:$TIFACE string:BudgetUsedSeconds 2>&1)
	check "eve: alice's property -> AccessDenied" \
		grep -q "org.freedesktop.DBus.Error.AccessDenied" <<<"$out"
	out=$(as $EVE dbus-send --system --print-reply --dest=$DEST $MPATH \
		$MIFACE.GetTenant string:nosuch 2>&1)
	check "eve: GetTenant of an unknown name -> AccessDenied (no existence oracle)" \
		grep -q "org.freedesktop.DBus.Error.AccessDenied" <<<"$out"
	out=$(as $BOB busctl --no-pager --system call $DEST $MPATH $MIFACE GetMyTenant 2>&1)
	check "bob: GetMyTenant is the escaped team.a-1 path ($out)" \
		test "$out" = 'o "/org/accelq/Scheduler1/tenant/team_2ea_2d1"'
	check "bob: reads team.a-1's Name" \
		test "$(tprop team.a-1 Name $BOB)" = team.a-1
	out=$(as $BOB busctl --no-pager --system get-property $DEST $MPATH $MIFACE Version Tenants 2>&1)
	check "anyone: Manager properties (Version, Tenants)" \
		grep -q "^u 3$" <<<"$out"
}

test_bus_root() {
	local out
	out=$(bus call $DEST $MPATH $MIFACE ListTenants 2>&1)
	check "root: ListTenants lists all three ($out)" \
		test "$out" = 'a(so) 3 "alice" "/org/accelq/Scheduler1/tenant/alice" "carol" "/org/accelq/Scheduler1/tenant/carol" "team.a-1" "/org/accelq/Scheduler1/tenant/team_2ea_2d1"'
	out=$(bus call $DEST $MPATH $MIFACE SetTenantQuota 'sa{sv}' team.a-1 3 \
		Weight u 333 CapQuotaUSec t 20000 BurstUSec t 1000 2>&1)
	check "root: SetTenantQuota succeeds ($out)" test -z "$out"
	check "root: the kernel has weight 333, cap 20 ms, burst 1 ms" \
		test "$(nlget team.a-1 weight)/$(nlget team.a-1 cap_quota_ns)/$(nlget team.a-1 cap_burst_ns)" = 333/20000000/1000000
	check "root: Weight property follows" test "$(tprop team.a-1 Weight)" = 333
	out=$(bus call $DEST $MPATH $MIFACE SetTenantQuota 'sa{sv}' team.a-1 1 Weight u 0 2>&1)
	check "root: Weight 0 -> invalid ($out)" grep -q "Weight must be 1..10000" <<<"$out"
	out=$(bus call $DEST $MPATH $MIFACE SetTenantQuota 'sa{sv}' team.a-1 1 Nope u 1 2>&1)
	check "root: unknown setting -> invalid" grep -q "Unknown setting Nope" <<<"$out"
	out=$(bus call $DEST $MPATH $MIFACE SetTenantQuota 'sa{sv}' team.a-1 1 BurstUSec t 50000 2>&1)
	check "root: burst above quota -> invalid" grep -q "must not exceed" <<<"$out"
	check "root: the kernel kept the old settings" \
		test "$(nlget team.a-1 cap_burst_ns)" = 1000000
	out=$(dsend $MPATH $MIFACE.GetTenant string:nosuch)
	check "root: GetTenant(unknown) -> NoSuchTenant" \
		grep -q "org.accelq.Scheduler1.Error.NoSuchTenant" <<<"$out"
	out=$(dsend $MPATH $MIFACE.GetTenant "string:bad name")
	check "root: GetTenant(bad name) -> InvalidArgs" \
		grep -q "org.freedesktop.DBus.Error.InvalidArgs" <<<"$out"
}

test_metrics() {
	local out p
	# Some work in team.a-1's cgroup as bob, so its series move.
	sh -c "echo \$\$ >$CG/team/cgroup.procs && exec setpriv --reuid=$BOB --regid=$BOB --clear-groups -- $T/aqload --seconds 2 --cost-us 500" \
		>"$W/load-bob.log" 2>&1
	diag "$(cat "$W/load-bob.log")"
	check "bob's work in the cgroup was attributed to team.a-1" \
		grep -q "tenant $(nlget team.a-1 id)\$" "$W/load-bob.log"
	sleep 1
	out=$(metrics | promtool check metrics 2>&1)
	p=$?
	check "curl /metrics | promtool check metrics prints nothing${out:+: $out}" \
		test "$p" = 0 -a -z "$out"
	metrics >"$RES/metrics.txt"
	check "team.a-1 series present with its engine time" \
		fcmp "$(metric 'accelq_tenant_busy_seconds_total{tenant="team.a-1",engine="0"}') + $(metric 'accelq_tenant_busy_seconds_total{tenant="team.a-1",engine="1"}') > 0.2"
	check "jobs by status" \
		test "$(metric 'accelq_tenant_jobs_total{tenant="team.a-1",status="ok"}')" -gt 0
	check "build info" grep -q '^accelq_build_info{version="' "$RES/metrics.txt"
	check "carol never ran a job: no series of hers" \
		bash -c '! grep -q "tenant=\"carol\"" "$0"' "$RES/metrics.txt"
	check "alice's budget is exported" \
		test "$(metric 'accelq_tenant_budget_seconds{tenant="alice"}')" = $BUDGET.000000000
	check "HELP and TYPE for every family" \
		test "$(grep -c '^# HELP' "$RES/metrics.txt")" = "$(grep -c '^# TYPE' "$RES/metrics.txt")"
	if grep -q '^accelq_bpf_lost_total' "$RES/metrics.txt"; then
		check "BPF: wait histogram of team.a-1, +Inf bucket == _count" \
			test -n "$(metric 'accelq_tenant_wait_seconds_count{tenant="team.a-1"}')" -a \
			"$(metric 'accelq_tenant_wait_seconds_bucket{tenant="team.a-1",le="+Inf"}')" = \
			"$(metric 'accelq_tenant_wait_seconds_count{tenant="team.a-1"}')"
	else
		nok "BPF collectors attached (see accelqd.log)"
	fi
	out=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9640/nope)
	check "unknown URL -> 404" test "$out" = 404
}

test_budget() {
	local now wait s0 s1 used_before busy_before out win_ex
	# The budget must run out, the daemon be killed and restarted all in
	# one window (the guest may be slow): start with >= 2/3 of it left.
	now=$(date +%s.%N)
	wait=$(awk -v n="$now" -v w=$WINDOW 'BEGIN { r = w - (n % w);
		if (r >= w * 2 / 3) r = 0; else r += 0.3; printf "%.3f", r }')
	diag "waiting ${wait}s for enough of a ${WINDOW}s window${DEBUG_KERNEL:+ (debug kernel: longer window, lower share bounds)}"
	sleep "$wait"
	as $ALICE "$T/aqwatch" --timeout $((WINDOW - 5)) >"$W/watch.log" 2>&1 &
	local watch=$!
	wait_until 5 'grep -q watching "$W/watch.log"'
	# Not through as(): $! must be aqload itself, to stop it later.
	setpriv --reuid=$ALICE --regid=$ALICE --clear-groups -- \
		"$T/aqload" --seconds 0 --cost-us 1000 --depth 8 >"$W/load-alice.log" 2>&1 &
	ALOAD=$!
	PIDS+=($ALOAD)
	sleep 0.5
	s0=$(share alice 2)
	check "alice runs at her 50% cap before the budget is used (share $s0, want $CAP_MIN..0.6)" \
		fcmp "$CAP_MIN < $s0 && $s0 < 0.6"
	wait "$watch"
	diag "$(cat "$W/watch.log")"
	win_ex=$(window_of_now)
	diag "budget exhausted $(window_pos) s into the ${WINDOW}s window"
	check "QuotaExceeded received by alice's own bus client" \
		grep -q "^QuotaExceeded alice .* $BUDGET.000 throttle$" "$W/watch.log"
	check "BudgetExhausted is true (read as alice)" \
		test "$(tprop alice BudgetExhausted $ALICE)" = true
	check "the kernel cap is the 5% floor (5 ms / 100 ms)" \
		test "$(nlget alice cap_quota_ns)/$(nlget alice cap_period_ns)" = 5000000/100000000
	check "CapQuotaUSec shows the cap in force (5000)" \
		test "$(tprop alice CapQuotaUSec $ALICE)" = 5000
	s1=$(share alice 2)
	check "the measured share drops to the floor (share $s1)" \
		fcmp "$s1 < 0.08"

	# SIGKILL: the kernel keeps enforcing, state survives.
	used_before=$(tprop alice BudgetUsedSeconds)
	busy_before=$(metric 'accelq_tenant_busy_seconds_total{tenant="alice",engine="0"}')
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null
	DPID=
	out=$(nlget alice cap_quota_ns)
	check "after SIGKILL the kernel still enforces the floor cap ($out)" \
		test "$out" = 5000000
	sleep 1
	check "restarted after SIGKILL" start_daemon
	out=$(tprop alice BudgetUsedSeconds)
	check "budget use persisted and kept counting ($used_before -> $out)" \
		fcmp "$out >= $used_before"
	check "still exhausted after the restart" \
		test "$(tprop alice BudgetExhausted)" = true
	diag "restarted $(window_pos) s into the ${WINDOW}s window$([ "$(window_of_now)" = "$win_ex" ] ||
		echo ": NOT the window the budget ran out in (too slow for this window length)")"
	out=$(grep 'Tenant alice: QuotaExceeded' "$LOG")
	check "no second QuotaExceeded after the restart" test "$(grep -c . <<<"$out")" = 1
	[ "$(grep -c . <<<"$out")" = 1 ] || diag "$out"
	out=$(metric 'accelq_tenant_busy_seconds_total{tenant="alice",engine="0"}')
	check "busy counter continuous across the restart ($busy_before -> $out)" \
		fcmp "$out >= $busy_before"

	# Recovery in the next window.
	check "next window: budget available again" \
		wait_until $((WINDOW + 5)) 'test "$(tprop alice BudgetExhausted)" = false'
	diag "budget available again $(window_pos) s into the ${WINDOW}s window"
	# The share first: at her cap alice spends the new window's budget
	# again within 2 x BUDGET seconds, and on the debug kernel every query
	# takes about a second.
	s1=$(share alice 1.5)
	out=$(nlget alice cap_quota_ns)
	check "next window: the configured cap is back (50 ms: $out)" \
		test "$out" = 50000000
	check "next window: the share is back at the cap (share $s1, want > $BACK_MIN)" \
		fcmp "$s1 > $BACK_MIN"
	kill "$ALOAD" 2>/dev/null
	wait "$ALOAD" 2>/dev/null
}

test_reload() {
	local out
	sed -i 's/^weight = 200/weight = 250/' "$C/tenants.d/team.a-1.conf"
	kill -HUP "$DPID"
	check "SIGHUP: new weight 250 in the kernel" \
		wait_until 5 'test "$(nlget team.a-1 weight)" = 250'
	check "SIGHUP: the SetTenantQuota cap was dropped (file has none)" \
		test "$(nlget team.a-1 cap_quota_ns)" = 0
	printf '[tenant]\nuid = 1005\nbogus = 1\n' >"$C/tenants.d/zz.conf"
	sed -i 's/^weight = 250/weight = 260/' "$C/tenants.d/team.a-1.conf"
	kill -HUP "$DPID"
	check "bad SIGHUP: the daemon says why" \
		wait_until 5 'grep -q "Reload failed, keeping the running configuration: .*zz.conf:3: unknown key bogus" "$LOG"'
	check "bad SIGHUP: daemon still running" kill -0 "$DPID"
	check "bad SIGHUP: old configuration kept (weight 250, no zz)" \
		test "$(nlget team.a-1 weight)" = 250 -a -z "$(nlget zz id)"
	out=$(dsend $MPATH $MIFACE.Reload)
	diag "$out"
	check "bad D-Bus Reload: error carries the reason" \
		grep -q "org.accelq.Scheduler1.Error.BadConfig.*zz.conf:3: unknown key bogus" <<<"$out"
	rm "$C/tenants.d/zz.conf"
	out=$(dsend $MPATH $MIFACE.Reload)
	check "good D-Bus Reload applies (weight 260)" \
		wait_until 3 'test "$(nlget team.a-1 weight)" = 260'

	# Removing a tenant: deleted in the kernel, gone from the bus and
	# the metrics; a tenant made by hand is left alone.
	"$NL" tenant add manual --uid 1010 >/dev/null
	rm "$C/tenants.d/carol.conf"
	kill -HUP "$DPID"
	check "removed tenant deleted from the kernel" \
		wait_until 5 'test -z "$(nlget carol id)"'
	check "removed tenant gone from the bus" \
		bash -c '! busctl --system get-property $0 /org/accelq/Scheduler1/tenant/carol $1 Name >/dev/null 2>&1' $DEST $TIFACE
	check "removed tenant's series gone from /metrics" \
		bash -c '! curl -sf http://127.0.0.1:9640/metrics | grep -q "tenant=\"carol\""'
	check "a tenant the daemon did not create stays" test -n "$(nlget manual id)"
	"$NL" tenant del manual >/dev/null
}

test_module_reload() {
	local attached out
	attached=$(grep -c "BPF collectors attached" "$LOG")
	write_daemon_conf no
	kill -HUP "$DPID"
	wait_until 5 'grep -q "BPF collectors detached" "$LOG"'
	# The daemon logs that line before it closes the collectors; their
	# raw tracepoint links hold the module until closed: wait for that.
	wait_until 10 'test "$(cat /sys/module/accelq/refcnt)" = 0'
	if ! rmmod accelq 2>"$W/rmmod.err"; then
		nok "rmmod accelq ($(cat "$W/rmmod.err"); refcnt $(cat /sys/module/accelq/refcnt))"
		return
	fi
	check "module unloaded: the daemon notices" \
		wait_until 5 'metrics | grep -q "^accelq_kernel_module_loaded 0"'
	insmod "$KO"
	check "module reloaded: tenants re-applied" \
		wait_until 10 'test -n "$(nlget alice id)" -a -n "$(nlget team.a-1 id)"'
	# alice may have used up her budget again in this window.
	local want=50000000
	[ "$(tprop alice BudgetExhausted)" = true ] && want=5000000
	out=$(nlget alice cap_quota_ns)/$(nlget team.a-1 weight)
	check "module reloaded: settings re-applied (alice's cap in force, weight 260: $out)" \
		test "$out" = $want/260
	write_daemon_conf yes
	kill -HUP "$DPID"
	check "BPF collectors attached again" \
		wait_until 10 'test "$(grep -c "BPF collectors attached" "$LOG")" -gt "$attached"'
}

test_prometheus() {
	if [ -n "${AQD_SKIP_PROMETHEUS:-}" ] || ! command -v prometheus >/dev/null; then
		skip "Prometheus scrapes every tenant" "prometheus not run"
		return
	fi
	cat >"$W/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: accelqd
    static_configs:
      - targets: ['127.0.0.1:9640']
EOF
	prometheus --config.file="$W/prometheus.yml" --storage.tsdb.path="$W/tsdb" \
		--web.listen-address=127.0.0.1:9090 >"$W/prometheus.log" 2>&1 &
	local prom=$! q out
	PIDS+=($prom)
	q='http://127.0.0.1:9090/api/v1/query?query=count%20by%20(tenant)%20(accelq_tenant_utilization_ratio)'
	wait_until 60 'curl -sf "$q" | grep -q team.a-1'
	out=$(curl -sf "$q")
	diag "$out"
	# The default tenant never ran a job here: it has no series. alice's
	# and team.a-1's stay after the module reload (their counters restart).
	check "Prometheus: the series of every tenant that ran jobs (alice, team.a-1)" \
		python3 -c 'import json,sys
r = json.loads(sys.argv[1])["data"]["result"]
t = {x["metric"]["tenant"]: x["value"][1] for x in r}
sys.exit(0 if t == {"alice": "3", "team.a-1": "3"} else 1)' "$out"
	out=$(curl -sf 'http://127.0.0.1:9090/api/v1/query?query=up%7Bjob%3D%22accelqd%22%7D')
	check "Prometheus: target up" grep -q '"value":\[[0-9.]*,"1"\]' <<<"$out"
	kill $prom
	wait $prom 2>/dev/null
}

test_stop() {
	stop_daemon
	check "SIGTERM: clean exit" test $? = 0
	check "STOPPING=1 sent" grep -q STOPPING=1 "$W/notify.log"
	check "state file written" grep -q "^tenant alice " "$W/state/state"
}

setup
test_bad_start
test_start
if [ -n "$DPID" ]; then
	test_bus_tenant_user
	test_bus_root
	test_metrics
	test_budget
	test_reload
	test_module_reload
	test_prometheus
	test_stop
fi
echo "1..$n"
diag "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
