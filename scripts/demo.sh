#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo: runs INSIDE the guest (scripts/vm -- scripts/demo.sh).
#
# Loads accelq with two simulated engines, starts the system bus and accelqd
# with three tenants, runs workloads as those tenants for about 25 s and
# shows what each party sees:
#
#   inference    uid 2001, latency class, weight 400
#   training     cgroup /demo/training (owner uid 2002), capped at 50%
#   best-effort  uid 2003, weight 50, a 3 engine-second budget that runs
#                out during the demo
#
# The inference tenant reads its own quota and usage with busctl, is denied
# another tenant's, the operator looks at accelqctl top, best-effort's own
# bus client receives QuotaExceeded, and Prometheus metrics are excerpted.
# Exit status: 0 when every step did what it should.
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
LOAD=$REPO/tools/accelq-load
ACCELQD=$REPO/daemon/accelqd
AQWATCH=$REPO/tests/daemon/aqwatch
KO=${ACCELQ_KO:-$REPO/accelq.ko}
export PATH=$REPO/tools:$REPO/bpf:$PATH
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0 PAGER=cat

if [ "${ACCELQ_IN_VM:-}" != 1 ]; then
	echo "demo.sh: runs inside the guest: make demo" >&2
	exit 2
fi

W=$(mktemp -d /tmp/accelq-demo.XXXXXX)
C=/etc/accelq
DEST=org.accelq.Scheduler1
ROOT=/org/accelq/Scheduler1
TIFACE=org.accelq.Scheduler1.Tenant
INF=2001 TRN=2002 BE=2003
SECONDS_RUN=25
BUDGET=3

steps_ok=0
steps_failed=()
DPID=
PIDS=()
LOADS=()
T0=$(date +%s.%N)

step() { printf '\n== %s\n' "$*"; }
note() { printf '   %s\n' "$*"; }
pass() { steps_ok=$((steps_ok + 1)); printf '   -> ok: %s\n' "$*"; }
fail() { steps_failed+=("$*"); printf '   -> FAILED: %s\n' "$*"; }
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
as() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "$@"
}
# show UID CMD...: print the command as the user would type it, run it,
# indent its output
show() {
	local uid=$1 who rc
	shift
	case $uid in 0) who=root ;; *) who="uid $uid" ;; esac
	printf '   [%s]$ %s\n' "$who" "$*"
	as "$uid" "$@" >"$W/show.out" 2>&1
	rc=$?
	sed 's/^/     /' "$W/show.out"
	return $rc
}
wait_until() {
	local end=$((SECONDS + $1))
	while ((SECONDS < end)); do
		eval "$2" 2>/dev/null && return 0
		sleep 0.2
	done
	eval "$2"
}

cleanup() {
	local p
	# the daemon first (it detaches its BPF collectors), then the bus
	if [ -n "$DPID" ]; then
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${ACCELQ_OUT:-}" ] && cp "$W/accelqd.log" "$ACCELQ_OUT/demo-accelqd.log" 2>/dev/null
	rmmod accelq 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# ----------------------------------------------------------------------
step "1. Load accelq.ko with two simulated engines"
note "# insmod accelq.ko sim_engines=2"
if insmod "$KO" sim_engines=2; then
	dmesg | grep 'accelq:' | tail -1 | sed 's/^/     /'
	accelq-nl engine list | sed 's/^/     /'
	pass "/dev/accelq is $(stat -c '%a' /dev/accelq), $(accelq-nl engine list | wc -l) engines"
else
	fail "insmod"
	exit 1
fi

# ----------------------------------------------------------------------
step "2. Tenants in /etc/accelq/tenants.d, the system bus, accelqd"
for u in inference:$INF training:$TRN besteffort:$BE; do
	grep -q "^demo-${u%%:*}:" /etc/passwd ||
		echo "demo-${u%%:*}:x:${u#*:}:${u#*:}::/nonexistent:/usr/sbin/nologin" >>/etc/passwd
	grep -q "^demo-${u%%:*}:" /etc/group || echo "demo-${u%%:*}:x:${u#*:}:" >>/etc/group
done
mkdir -p /sys/fs/cgroup/demo/training "$C/tenants.d"
# Budget windows are aligned to the epoch: pick one that will not roll
# over while the demo runs.
now=$(date +%s)
for WINDOW in 3600 3900 4200 4500; do
	((WINDOW - now % WINDOW > 120)) && break
done
cat >"$C/accelqd.conf" <<EOF
[daemon]
metrics_listen = 127.0.0.1:9640
sample_interval_ms = 500
state_dir = $W/state
bpf = yes
EOF
cat >"$C/tenants.d/inference.conf" <<EOF
[tenant]
uid = $INF
weight = 400
classes = latency,batch
EOF
cat >"$C/tenants.d/training.conf" <<EOF
[tenant]
cgroup = /demo/training
owner_uid = $TRN
weight = 100
cap = 50%
classes = batch
EOF
cat >"$C/tenants.d/best-effort.conf" <<EOF
[tenant]
uid = $BE
weight = 50
classes = batch

[budget]
seconds = $BUDGET
window = ${WINDOW}s
on_exhausted = throttle
floor = 5%
EOF
for f in "$C"/tenants.d/*.conf; do
	printf '   %-18s %s\n' "$(basename "$f"):" "$(grep -v '^\[' "$f" | paste -sd' ' | sed 's/ = /=/g')"
done
mkdir -p /run/dbus /etc/dbus-1/system.d
cp "$REPO/data/org.accelq.Scheduler1.conf" /etc/dbus-1/system.d/
if ! busctl --system status >/dev/null 2>&1; then
	dbus-daemon --system --fork --print-pid >"$W/dbus.pid"
	PIDS+=("$(cat "$W/dbus.pid")")
fi
note "# accelqd --config /etc/accelq &     (systemctl start accelqd on a real host)"
"$ACCELQD" --config "$C" >"$W/accelqd.log" 2>&1 &
DPID=$!
if wait_until 60 'busctl --system status $DEST >/dev/null && [ "$(accelq-nl tenant list | grep -c "name=")" -ge 4 ]'; then
	show 0 accelqctl tenants
	pass "accelqd serves $DEST and created the three tenants in the kernel"
else
	fail "accelqd did not come up"
	sed 's/^/     /' "$W/accelqd.log"
	exit 1
fi

# ----------------------------------------------------------------------
step "3. Workloads for ${SECONDS_RUN} s, each as its tenant's user"
note "inference:   uid $INF, latency class, 1 ms jobs on engine 0"
note "training:    uid $TRN in cgroup /demo/training, 10 ms batch jobs on both engines"
note "best-effort: uid $BE, 10 ms batch jobs on engine 1"
# best-effort's own bus client waits for QuotaExceeded
# (each line stamped with the time it arrived)
{
	setpriv --reuid=$BE --regid=$BE --clear-groups -- "$AQWATCH" \
		--timeout $((SECONDS_RUN + 30)) 2>&1 &
	echo $! >"$W/watch.pid"
	wait
} | while IFS= read -r l; do echo "$(date +%s.%N) $l"; done >"$W/watch.log" &
PIDS+=($!)
wait_until 10 'grep -q watching "$W/watch.log"'
PIDS+=("$(cat "$W/watch.pid")")
T0=$(date +%s.%N)
as $INF "$LOAD" --engine 0 --class latency --cost-us 1000 --inflight 1 \
	--seconds $SECONDS_RUN --quiet >"$W/load-inference.log" 2>&1 &
LOADS+=($!)
for e in 0 1; do
	sh -c 'echo $$ >/sys/fs/cgroup/demo/training/cgroup.procs && exec "$@"' _ \
		setpriv --reuid=$TRN --regid=$TRN --clear-groups -- "$LOAD" --engine $e \
		--cost-us 10000 --inflight 4 --preemptible --seconds $SECONDS_RUN --quiet \
		>"$W/load-training-$e.log" 2>&1 &
	LOADS+=($!)
done
as $BE "$LOAD" --engine 1 --cost-us 10000 --inflight 4 --preemptible \
	--seconds $SECONDS_RUN --quiet >"$W/load-best-effort.log" 2>&1 &
LOADS+=($!)
PIDS+=("${LOADS[@]}")
# The operator's snapshot for step 6, taken while everything runs: shortly
# after the budget ran out, at the latest 5 s before the end (a slow guest
# must not push it past the workloads).
(
	wait_until $((SECONDS_RUN - 6)) 'grep -q " QuotaExceeded " "$W/watch.log"' && sleep 1.5
	accelqctl top --once >"$W/top.out" 2>&1
	echo "$? $(elapsed)" >"$W/top.done"
) &
PIDS+=($!)
sleep 3
pass "5 workload generators running"

# ----------------------------------------------------------------------
step "4. What the inference tenant sees (busctl as uid $INF, t=$(elapsed) s)"
ok4=1
show $INF busctl call $DEST $ROOT $DEST.Manager GetMyTenant || ok4=0
MY=$(sed -n 's/^o "\(.*\)"$/\1/p' "$W/show.out")
[ "$MY" = $ROOT/tenant/inference ] || ok4=0
printf '   [uid %s]$ busctl introspect %s %s %s   (GetAll, excerpt)\n' $INF $DEST "$MY" $TIFACE
as $INF busctl introspect $DEST "$MY" $TIFACE >"$W/introspect.out" 2>&1 || ok4=0
grep -E '^\.(Weight|CapQuotaUSec|Classes|BudgetSeconds|Utilization10s|BusySeconds|Jobs) ' \
	"$W/introspect.out" | awk '{ v = ""; for (i = 4; i < NF; i++) v = v " " $i
		printf "     %-16s %-6s%s\n", substr($1, 2), $3, v }'
show $INF busctl get-property $DEST "$MY" $TIFACE BusySeconds || ok4=0
note "another tenant's object is refused:"
if show $INF busctl get-property $DEST $ROOT/tenant/training $TIFACE BusySeconds; then
	ok4=0
fi
grep -q "Access denied" "$W/show.out" || ok4=0
if show $INF accelqctl tenant training; then
	ok4=0
fi
grep -q "org.freedesktop.DBus.Error.AccessDenied" "$W/show.out" || ok4=0
if [ $ok4 = 1 ]; then
	pass "own quota and usage readable; training's is AccessDenied"
else
	fail "inference tenant's view over D-Bus"
fi

# ----------------------------------------------------------------------
step "5. best-effort's budget ($BUDGET engine-seconds) runs out"
note "its own bus client (tests/daemon/aqwatch as uid $BE) waits for the QuotaExceeded signal..."
if wait_until $((SECONDS_RUN + 5)) 'grep -q " QuotaExceeded " "$W/watch.log"'; then
	read -r ts _ name used budget action <<<"$(grep " QuotaExceeded " "$W/watch.log" | head -1)"
	t_exh=$(awk -v a="$T0" -v b="$ts" 'BEGIN { printf "%.1f", b - a }')
	note "t=$t_exh s: signal QuotaExceeded(name=$name, used_seconds=$used, budget_seconds=$budget, action=$action)"
	grep 'QuotaExceeded' "$W/accelqd.log" | tail -1 | sed 's/^/   log: /'
	printf '   [uid %s]$ accelqctl status   (excerpt)\n' $BE
	as $BE accelqctl status >"$W/status.out" 2>&1
	sed -n '/^You:/,$s/^/     /p' "$W/status.out"
	if grep -q "EXHAUSTED" "$W/status.out" && grep -q "cap 5%," "$W/status.out"; then
		pass "best-effort throttled to its 5% floor after $t_exh s"
	else
		fail "best-effort state after QuotaExceeded"
	fi
else
	t_exh=
	fail "no QuotaExceeded within the run"
fi

# ----------------------------------------------------------------------
wait_until $((SECONDS_RUN + 10)) 'test -s "$W/top.done"'
top_rc=1 top_t='?'
[ -s "$W/top.done" ] && read -r top_rc top_t <"$W/top.done"
step "6. The operator's view: accelqctl top --once (taken at t=$top_t s)"
printf '   [root]$ accelqctl top --once\n'
sed 's/^/     /' "$W/top.out"
if [ "$top_rc" = 0 ] && grep -q "^inference " "$W/top.out" &&
	grep -q "^training " "$W/top.out" && grep -q "^best-effort " "$W/top.out"; then
	pass "every tenant on one screen (accelqctl top refreshes in place)"
else
	fail "accelqctl top"
fi

# ----------------------------------------------------------------------
step "7. Prometheus metrics (curl 127.0.0.1:9640/metrics, excerpt)"
if curl -sf --max-time 5 http://127.0.0.1:9640/metrics >"$W/metrics"; then
	grep -E '^accelq_tenant_utilization_ratio\{.*window="10s"|^accelq_tenant_budget_(used_)?seconds|^accelq_tenant_budget_exhausted|^accelq_tenant_jobs_total\{.*status="ok"|^accelq_tenant_wait_seconds_(sum|count)\{tenant="inference"|^accelq_engine_utilization_ratio' \
		"$W/metrics" | grep -v 'tenant="default"' | sed 's/^/   /'
	note "($(grep -c '^accelq_' "$W/metrics") series in all)"
	if grep -q '^accelq_tenant_budget_exhausted{tenant="best-effort"} 1' "$W/metrics"; then
		pass "metrics show the exhausted budget"
	else
		fail "metrics"
	fi
else
	fail "curl /metrics"
fi

# ----------------------------------------------------------------------
left=$(awk -v e="$(elapsed)" -v s=$SECONDS_RUN 'BEGIN { r = s - e; printf "%d", (r > 0 ? r + 1 : 0) }')
step "8. Waiting ${left} s for the workloads to finish"
end=$((SECONDS + left + 30))
for p in "${LOADS[@]}"; do
	while kill -0 "$p" 2>/dev/null && ((SECONDS < end)); do sleep 0.5; done
	kill "$p" 2>/dev/null && note "(a workload generator was still running; stopped it)"
done
wait "${LOADS[@]}" 2>/dev/null
kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$W/load-$1.log" | head -1; }
printf '   %-12s %8s %8s %10s %12s %12s\n' tenant jobs busy_s share wait_mean_ms wait_max_ms
for t in inference training-0 training-1 best-effort; do
	printf '   %-12s %8s %8.2f %10s %12s %12s\n' "$t" "$(kv "$t" ok)" \
		"$(awk -v m="$(kv "$t" busy_ms)" 'BEGIN { print m / 1000 }')" \
		"$(kv "$t" share)" "$(kv "$t" wait_mean_ms)" "$(kv "$t" wait_max_ms)"
done
inf_jobs=$(kv inference ok)
if [ "${inf_jobs:-0}" -gt 0 ] && [ -n "$(kv best-effort ok)" ]; then
	pass "all workloads completed"
else
	fail "workloads (see above)"
fi

# ----------------------------------------------------------------------
step "Summary"
trn=$(awk -v a="$(kv training-0 busy_ms)" -v b="$(kv training-1 busy_ms)" -v s=$SECONDS_RUN \
	'BEGIN { printf "%.2f", (a + b) / 1000 / s }')
note "inference:   $inf_jobs latency jobs, mean wait $(kv inference wait_mean_ms) ms next to saturating batch work"
note "training:    $trn of an engine over ${SECONDS_RUN} s across two engines (cap 50% = 0.50)"
if [ -n "$t_exh" ]; then
	note "best-effort: budget of $BUDGET s used up at t=$t_exh s; QuotaExceeded reached its own client; then held at the 5% floor"
fi
note "tenants read their own numbers with busctl; only root sees all (accelqctl, ListTenants)"
if [ ${#steps_failed[@]} = 0 ]; then
	printf '\ndemo: all %d steps ok\n' "$steps_ok"
	exit 0
fi
printf '\ndemo: %d steps ok, %d failed: %s\n' "$steps_ok" "${#steps_failed[@]}" \
	"$(IFS=';'; echo "${steps_failed[*]}")"
exit 1
