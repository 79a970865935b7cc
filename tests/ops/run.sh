#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# accelqctl against a running accelqd in a QEMU guest, TAP output. Run as
# root inside the guest:
#
#   make && scripts/vm -- tests/ops/run.sh
#
# Loads accelq.ko (if not loaded), starts a system dbus-daemon with the
# policy from data/, test users and accelqd on a test configuration (as
# tests/daemon/run.sh does), then checks accelqctl as root, as a tenant
# user and as a user without a tenant: status, me, tenant, tenants,
# set-quota reaching the kernel (accelq-nl --json tenant get), reload, top,
# the D-Bus error names and the exit status.
#
# Environment: ACCELQ_KO (default ./accelq.ko), OPS_KEEP=1 (leave the work
# directory).

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
CTL=$REPO/tools/accelqctl
ACCELQD=$REPO/daemon/accelqd
NL=$REPO/tools/accelq-nl
LOAD=$REPO/tools/accelq-load
KO=${ACCELQ_KO:-$REPO/accelq.ko}
W=$(mktemp -d /tmp/accelq-ops.XXXXXX)
C=$W/conf
LOG=$W/accelqd.log
RES=${ACCELQ_OUT:-$W}/ops
mkdir -p "$RES" "$C/tenants.d"

ALICE=3001	# owns tenant alpha (uid match, budget)
BOB=3002	# owns tenant beta.1 (cgroup match, owner_uid)
EVE=3003	# owns nothing
CG=/sys/fs/cgroup/aqops
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0 PAGER=cat

n=0
failed=0
DPID=
PIDS=()

# ok, nok, skip, check, wait_until, as, nlget
. "$REPO/tests/lib/tap.sh"
diag() { [ -z "$*" ] || sed 's/^/# /' <<<"$*"; }
# nljson TENANT KEY: a field of "accelq-nl --json tenant get"
nljson() { "$NL" --json tenant get "$1" 2>/dev/null | jq -r ".$2"; }

# run UID ARGS...: accelqctl as UID; sets $out (stdout+stderr) and $rc
run() {
	local uid=$1
	shift
	out=$(as "$uid" "$CTL" "$@" 2>&1)
	rc=$?
}

cleanup() {
	local p
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	cp "$LOG" "$RES/accelqd.log" 2>/dev/null
	[ -n "${OPS_KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

write_config() {
	cat >"$C/accelqd.conf" <<EOF
[daemon]
metrics_listen = 127.0.0.1:9640
sample_interval_ms = 250
state_dir = $W/state
bpf = no
EOF
	cat >"$C/tenants.d/alpha.conf" <<EOF
[tenant]
uid = $ALICE
weight = 150
cap = 50%
classes = latency,batch

[budget]
seconds = 100
window = hour
EOF
	cat >"$C/tenants.d/beta.1.conf" <<EOF
[tenant]
cgroup = /aqops/beta
owner_uid = $BOB
weight = 200
classes = batch
EOF
	cat >"$C/tenants.d/gamma.conf" <<EOF
[tenant]
uid = 3004
EOF
}

setup() {
	local f u
	echo "TAP version 13"
	if [ "$(id -u)" != 0 ] || [ -z "${ACCELQ_IN_VM:-}" ]; then
		echo "1..0 # SKIP run as root inside the guest (scripts/vm -- $0)"
		exit 0
	fi
	for f in "$CTL" "$ACCELQD" "$NL" "$LOAD" "$KO"; do
		if [ ! -e "$f" ]; then
			echo "Bail out! $f is missing: build it first (make)"
			exit 1
		fi
	done
	command -v jq >/dev/null || { echo "Bail out! jq is missing (scripts/setup-deps.sh)"; exit 1; }
	if [ ! -d /sys/module/accelq ]; then
		insmod "$KO" sim_engines=2 || { echo "Bail out! insmod $KO failed"; exit 1; }
	fi
	for u in alice:$ALICE bob:$BOB eve:$EVE; do
		grep -q "^ops${u%%:*}:" /etc/passwd ||
			echo "ops${u%%:*}:x:${u#*:}:${u#*:}::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
		grep -q "^ops${u%%:*}:" /etc/group ||
			echo "ops${u%%:*}:x:${u#*:}:" >>/etc/group
	done
	mkdir -p /run/dbus /etc/dbus-1/system.d "$CG/beta"
	cp "$REPO/data/org.accelq.Scheduler1.conf" /etc/dbus-1/system.d/
	if ! busctl --system status >/dev/null 2>&1; then
		dbus-daemon --system --fork --print-pid >"$W/dbus.pid" ||
			{ echo "Bail out! dbus-daemon failed"; exit 1; }
		PIDS+=("$(cat "$W/dbus.pid")")
	else
		busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
			org.freedesktop.DBus ReloadConfig >/dev/null 2>&1
	fi
	write_config
}

start_daemon() {
	"$ACCELQD" --config "$C" >>"$LOG" 2>&1 &
	DPID=$!
	wait_until 30 'test -n "$(nljson alpha id)" -a "$(nljson alpha id)" != null &&
		busctl --system status org.accelq.Scheduler1 >/dev/null'
}

# ------------------------------------------------------------------ tests --

test_usage() {
	run 0 --help
	check "--help exits 0 and lists every command" \
		bash -c '[ $0 = 0 ] && for c in status me tenant tenants set-quota reload top; do grep -q "^  $c" <<<"$1" || exit 1; done' "$rc" "$out"
	run 0
	check "no command: usage, exit 2 ($rc)" test "$rc" = 2
	run 0 frobnicate
	check "unknown command: exit 2 ($rc)" test "$rc" = 2
	run 0 set-quota alpha
	check "set-quota without a setting: exit 2 ($rc)" test "$rc" = 2
	run 0 set-quota alpha --cap 5/x
	check "set-quota --cap 5/x: exit 2 ($rc)" test "$rc" = 2
	run 0 tenant
	check "tenant without a name: exit 2 ($rc)" test "$rc" = 2
	run 0 status --once
	check "--once with status: exit 2 ($rc)" test "$rc" = 2
	run 0 --version
	check "--version ($out)" grep -q "^accelqctl [0-9]" <<<"$out"
}

test_root() {
	local props
	run 0 status
	diag "$out"
	check "root: status exits 0" test "$rc" = 0
	check "root: status shows the version" grep -q "^accelqd: *[0-9]" <<<"$out"
	check "root: status shows 2 engines" grep -q "^Engines: *2$" <<<"$out"
	check "root: status shows 3 tenants" grep -q "^Tenants: *3 configured" <<<"$out"
	check "root: status shows the metrics address" \
		grep -q "^Metrics: *http://127.0.0.1:9640/metrics" <<<"$out"
	check "root: status says root owns no tenant" grep -q "no tenant of your own" <<<"$out"

	run 0 tenants
	diag "$out"
	check "root: tenants exits 0" test "$rc" = 0
	check "root: tenants has a header" grep -q "^TENANT .*WEIGHT .*CAP .*BUDGET_S .*STATE" <<<"$out"
	check "root: alpha: weight 150, cap 50%, budget 100 s" \
		grep -Eq "^alpha +[0-9]+ +150 +50% +0 +latency,batch +[0-9.]+/100 " <<<"$out"
	check "root: beta.1: weight 200, no cap, batch" \
		grep -Eq "^beta\.1 +[0-9]+ +200 +- +0 +batch +- " <<<"$out"
	check "root: gamma listed" grep -Eq "^gamma +[0-9]+ +100 " <<<"$out"
	run 0 --no-legend tenants
	check "root: --no-legend tenants: exactly 3 lines" test "$(wc -l <<<"$out")" = 3

	run 0 tenant beta.1
	diag "$out"
	check "root: tenant beta.1 exits 0" test "$rc" = 0
	props=(Tenant Object "Kernel id" Weight Cap Burst Classes Budget
	       "Budget exhausted" Utilization Busy Jobs Throttled Queues Banned)
	check "root: tenant beta.1 shows every property" bash -c '
		for p in "${@:2}"; do grep -q "^$p: " <<<"$1" || { echo "# no $p"; exit 1; }; done' _ "$out" "${props[@]}"
	check "root: the escaped object path" \
		grep -q "^Object: */org/accelq/Scheduler1/tenant/beta_2e1$" <<<"$out"

	run 0 tenant nosuch
	check "root: unknown tenant -> NoSuchTenant, exit 1 ($out)" \
		bash -c '[ $0 = 1 ] && grep -q "org.accelq.Scheduler1.Error.NoSuchTenant" <<<"$1"' "$rc" "$out"
	run 0 tenant "bad name"
	check "root: bad name -> InvalidArgs ($out)" \
		bash -c '[ $0 = 1 ] && grep -q "org.freedesktop.DBus.Error.InvalidArgs" <<<"$1"' "$rc" "$out"
	run 0 me
	check "root: me -> NoSuchTenant, exit 1" \
		bash -c '[ $0 = 1 ] && grep -q "NoSuchTenant" <<<"$1"' "$rc" "$out"
}

test_tenant_user() {
	run $ALICE status
	diag "$out"
	check "alice: status exits 0 and names her tenant" \
		bash -c '[ $0 = 0 ] && grep -q "^You: *uid '$ALICE', tenant alpha" <<<"$1"' "$rc" "$out"
	check "alice: status shows her budget" grep -q "budget .* of 100 s used per hour window" <<<"$out"
	run $ALICE me
	diag "$out"
	check "alice: me exits 0" test "$rc" = 0
	check "alice: me shows her tenant, weight and cap" \
		bash -c 'grep -q "^Tenant: *alpha$" <<<"$0" && grep -q "^Weight: *150$" <<<"$0" &&
			grep -q "^Cap: *50000 us per 100000 us (50% of one engine)" <<<"$0"' "$out"
	run $ALICE tenant alpha
	check "alice: tenant alpha (her own) exits 0" test "$rc" = 0
	run $ALICE tenants
	diag "$out"
	check "alice: tenants -> AccessDenied, exit 1" \
		bash -c '[ $0 = 1 ] && grep -q "ListTenants: org.freedesktop.DBus.Error.AccessDenied: " <<<"$1"' "$rc" "$out"
	run $ALICE tenant beta.1
	check "alice: tenant beta.1 -> AccessDenied, exit 1 ($out)" \
		bash -c '[ $0 = 1 ] && grep -q "org.freedesktop.DBus.Error.AccessDenied" <<<"$1"' "$rc" "$out"
	run $ALICE set-quota alpha --weight 999
	check "alice: set-quota -> AccessDenied, exit 1 ($out)" \
		bash -c '[ $0 = 1 ] && grep -q "SetTenantQuota: org.freedesktop.DBus.Error.AccessDenied" <<<"$1"' "$rc" "$out"
	check "alice: her weight did not change" test "$(nljson alpha weight)" = 150
	run $ALICE reload
	check "alice: reload -> AccessDenied, exit 1" \
		bash -c '[ $0 = 1 ] && grep -q "Reload: org.freedesktop.DBus.Error.AccessDenied" <<<"$1"' "$rc" "$out"
	run $BOB me
	check "bob (cgroup tenant owner): me shows beta.1" \
		bash -c '[ $0 = 0 ] && grep -q "^Tenant: *beta.1$" <<<"$1"' "$rc" "$out"

	run $EVE status
	diag "$out"
	check "eve (no tenant): status exits 0, no tenant of her own" \
		bash -c '[ $0 = 0 ] && grep -q "^You: *uid '$EVE', no tenant of your own" <<<"$1"' "$rc" "$out"
	run $EVE me
	check "eve: me -> NoSuchTenant, exit 1 ($out)" \
		bash -c '[ $0 = 1 ] && grep -q "GetMyTenant: org.accelq.Scheduler1.Error.NoSuchTenant: " <<<"$1"' "$rc" "$out"
	run $EVE tenant alpha
	check "eve: tenant alpha -> AccessDenied" \
		bash -c '[ $0 = 1 ] && grep -q "org.freedesktop.DBus.Error.AccessDenied" <<<"$1"' "$rc" "$out"
	run $EVE top --once
	check "eve: top -> owns no tenant, exit 1 ($out)" \
		bash -c '[ $0 = 1 ] && grep -q "owns no tenant" <<<"$1"' "$rc" "$out"
}

test_set_quota() {
	local before
	run 0 set-quota alpha --weight 333 --cap 20000/50000 --burst 1000
	check "root: set-quota alpha --weight 333 --cap 20000/50000 --burst 1000 ($out)" \
		test "$rc" = 0 -a -z "$out"
	"$NL" --json tenant get alpha >"$W/alpha.json"
	diag "$(jq -c '{weight, cap_quota_ns, cap_period_ns, cap_burst_ns}' "$W/alpha.json")"
	check "kernel: weight 333" test "$(jq .weight "$W/alpha.json")" = 333
	check "kernel: cap 20 ms per 50 ms" \
		test "$(jq .cap_quota_ns "$W/alpha.json")/$(jq .cap_period_ns "$W/alpha.json")" = 20000000/50000000
	check "kernel: burst 1 ms" test "$(jq .cap_burst_ns "$W/alpha.json")" = 1000000
	run 0 tenant alpha
	check "accelqctl tenant alpha shows the new cap (40%)" \
		grep -q "^Cap: *20000 us per 50000 us (40% of one engine)" <<<"$out"

	run 0 set-quota alpha --cap max
	check "root: set-quota --cap max: exit 0" test "$rc" = 0
	check "kernel: no cap (cap_quota_ns 0)" test "$(nljson alpha cap_quota_ns)" = 0

	run 0 set-quota alpha --budget 7
	run 0 tenant alpha
	check "set-quota --budget 7: BudgetSeconds 7" grep -q "^Budget: .* of 7 engine-seconds" <<<"$out"

	run 0 set-quota alpha --weight 0
	check "root: --weight 0 -> InvalidArgs, exit 1 ($out)" \
		bash -c '[ $0 = 1 ] && grep -q "SetTenantQuota: org.freedesktop.DBus.Error.InvalidArgs: Weight must be 1..10000" <<<"$1"' "$rc" "$out"
	run 0 set-quota nosuch --weight 5
	check "root: unknown tenant -> NoSuchTenant, exit 1" \
		bash -c '[ $0 = 1 ] && grep -q "org.accelq.Scheduler1.Error.NoSuchTenant" <<<"$1"' "$rc" "$out"
	before=$(nljson alpha weight)
	run 0 set-quota alpha --weight 50 --cap 100000/50000 --burst 200000
	check "root: burst above quota -> InvalidArgs, nothing applied ($before)" \
		bash -c '[ $0 = 1 ] && grep -q "InvalidArgs" <<<"$1" && [ "$2" = 333 ]' "$rc" "$out" "$(nljson alpha weight)"

	run 0 reload
	check "root: reload exits 0" test "$rc" = 0
	check "reload: the file's weight (150) and cap (50 ms) are back" \
		wait_until 5 'test "$(nljson alpha weight)/$(nljson alpha cap_quota_ns)" = 150/50000000'
	echo "bogus = 1" >>"$C/tenants.d/gamma.conf"
	run 0 reload
	check "root: bad configuration -> BadConfig with file and line, exit 1 ($out)" \
		bash -c '[ $0 = 1 ] && grep -q "Reload: org.accelq.Scheduler1.Error.BadConfig: .*gamma.conf:3: unknown key bogus" <<<"$1"' "$rc" "$out"
	sed -i '/^bogus/d' "$C/tenants.d/gamma.conf"
}

test_top() {
	local frames
	# Work as alice and in beta.1's cgroup as bob, so the numbers move.
	as $ALICE "$LOAD" --seconds 3 --cost-us 2000 --inflight 4 --quiet >"$W/load-a.log" 2>&1 &
	local la=$!
	sh -c "echo \$\$ >$CG/beta/cgroup.procs && exec setpriv --reuid=$BOB --regid=$BOB --clear-groups -- $LOAD --seconds 3 --cost-us 2000 --inflight 4 --quiet" \
		>"$W/load-b.log" 2>&1 &
	local lb=$!
	sleep 2
	run 0 top --once
	diag "$out"
	check "root: top --once exits 0" test "$rc" = 0
	check "root: top has the header line" \
		grep -q "^TENANT .*WEIGHT .*CAP .*UTIL1S .*UTIL10S .*UTIL60S .*BUSY_S .*BUDGET_S .*THROTTLED .*JOBS_OK .*TIMEDOUT .*QUEUES" <<<"$out"
	check "root: top prints every tenant (alpha, beta.1, gamma)" \
		bash -c 'for t in alpha beta.1 gamma; do grep -q "^$t " <<<"$0" || exit 1; done' "$out"
	check "root: top shows alpha busy (UTIL1S > 0, a queue)" \
		bash -c 'awk '\''$1 == "alpha" && $4 > 0 && $NF >= 1 { f = 1 } END { exit !f }'\'' <<<"$0"' "$out"
	check "root: no escape sequences with --once" bash -c '! grep -q $'\''\e'\'' <<<"$0"' "$out"
	run $ALICE top --once
	diag "$out"
	check "alice: top --once shows only her tenant" \
		bash -c '[ $0 = 0 ] && grep -q "(showing yours)" <<<"$1" && grep -q "^alpha " <<<"$1" &&
			! grep -q "^beta.1 \|^gamma " <<<"$1"' "$rc" "$out"
	run 0 top --interval 200 --count 3
	frames=$(grep -c "^TENANT " <<<"$out")
	check "root: top --interval 200 --count 3 prints 3 frames ($frames)" test "$frames" = 3
	wait $la $lb
	check "the load ran as alice and bob" \
		bash -c 'grep -q "tenant=$0 " "$2" && grep -q "tenant=$1 " "$3"' \
		"$(nljson alpha id)" "$(nljson beta.1 id)" "$W/load-a.log" "$W/load-b.log"
	diag "$(cat "$W/load-a.log" "$W/load-b.log")"
}

test_no_daemon() {
	kill -TERM "$DPID"
	wait "$DPID"
	DPID=
	run 0 status
	check "daemon stopped: status -> ServiceUnknown, exit 1 ($out)" \
		bash -c '[ $0 = 1 ] && grep -q "org.freedesktop.DBus.Error.ServiceUnknown" <<<"$1"' "$rc" "$out"
	run 0 --bus-address unix:path=/nonexistent status
	check "--bus-address to nowhere: exit 1 ($out)" \
		bash -c '[ $0 = 1 ] && grep -q "cannot connect" <<<"$1"' "$rc" "$out"
}

setup
if check "accelqd starts and configures the kernel" start_daemon; then
	test_usage
	test_root
	test_tenant_user
	test_set_quota
	test_top
	test_no_daemon
fi
echo "1..$n"
diag "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
