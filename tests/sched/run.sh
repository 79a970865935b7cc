#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# accelq tenants and scheduling policy tests (issue #3). Runs INSIDE the QEMU
# guest only:
#
#   make module && make -C tools && make -C tests/sched
#   scripts/vm --timeout 600 -- tests/sched/run.sh [path/to/accelq.ko] [CASE...]
#
# Loads accelq.ko (unloading a loaded one first), then for each case creates
# its cgroups and tenants with tools/accelq-nl, runs tests/sched/sched_test
# CASE, deletes the tenants; finally unloads the module. Prints TAP (numbered
# here; the plan comes last) and "# N passed, N failed" (", N skipped"
# appended when a measurement was too disturbed by the emulator to judge:
# see sched_test.c); exits non-zero if anything failed. A copy of the TAP
# goes to $ACCELQ_OUT/sched.tap, traces of the latency case next to it.
#
# Cases and their tenants (sched_test.c relies on these names):
#   resolve  r-top cgroup /accelq-t, r-a cgroup /accelq-t/a, r-uid uid 4242
#            (plain cgroups /accelq-t/a/sub, /accelq-t/other, /accelq-x)
#   shares   sh1/sh2/sh4 uids 5001/5002/5004, weights 100/200/400
#   cap      capped cgroup /accelq-c/capped --cap 25000/100000,
#            free cgroup /accelq-c/free
#   latency  lat-batch uid 5101, lat-lat uid 5102
#   hang     hang uid 5201 --guilty-limit 2
#   limits   lim cgroup /accelq-l --max-queues 3 --max-depth 8
#            --max-inflight 4 --classes batch
#   delete   del uid 5301
#   weight   wa uid 5401, wb uid 5402 (weight 100 each; wb set to 300)
#
# Environment: ACCELQ_NL (default tools/accelq-nl), CASE_TIMEOUT (seconds per
# case, default 120), ACCELQ_SCHED_PARAMS (extra insmod parameters).
set -u
shopt -s lastpipe	# the result counters live in the last stage of pipes

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
T=$REPO/tests/sched
KO=$REPO/accelq.ko
if [ $# -gt 0 ] && [ "${1%.ko}" != "$1" ]; then
	KO=$1
	shift
fi
NL=${ACCELQ_NL:-$REPO/tools/accelq-nl}
export ACCELQ_NL=$NL
CASE_TIMEOUT=${CASE_TIMEOUT:-120}
CG=/sys/fs/cgroup
ALL_CASES="resolve shares cap latency hang limits delete weight"
CASES=${*:-$ALL_CASES}

if [ "${ACCELQ_IN_VM:-}" != 1 ]; then
	echo "run.sh: refusing to load modules outside the QEMU guest;" >&2
	echo "run.sh: use: scripts/vm -- tests/sched/run.sh" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "run.sh: must run as root (in the guest)" >&2
	exit 2
fi

OUT=${ACCELQ_OUT:-}
TAP=/dev/null
[ -n "$OUT" ] && [ -d "$OUT" ] && TAP=$OUT/sched.tap && : >"$TAP"

n=0 pass=0 fail=0 skip=0
emit() { echo "$*" | tee -a "$TAP"; }
note() { emit "# $*"; }
result() {
	# result STATUS DESCRIPTION (a description ending in "# SKIP why"
	# counts as skipped)
	n=$((n + 1))
	if [ "$1" = 0 ] && [ "${2%% \# SKIP *}" != "$2" ]; then
		skip=$((skip + 1))
		emit "ok $n - $2"
	elif [ "$1" = 0 ]; then
		pass=$((pass + 1))
		emit "ok $n - $2"
	else
		fail=$((fail + 1))
		emit "not ok $n - $2"
	fi
}

mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
mountpoint -q $CG || mount -t cgroup2 cgroup2 $CG

# nl ARGS...: accelq-nl with its output as diagnostics; returns its status
nl() {
	local out rc
	out=$("$NL" "$@" 2>&1)
	rc=$?
	[ -n "$out" ] && while IFS= read -r l; do note "  $l"; done <<<"$out"
	return $rc
}

finish() {
	emit "1..$n"
	if [ "$skip" = 0 ]; then
		emit "# $pass passed, $fail failed"
	else
		emit "# $pass passed, $fail failed, $skip skipped"
	fi
	[ "$fail" = 0 ] && [ "$n" -gt 0 ]
	exit $?
}

for f in "$T/sched_test" "$NL"; do
	[ -x "$f" ] || { note "$f not built (make -C tests/sched; make -C tools)"; result 1 "programs built"; finish; }
done
[ -r "$KO" ] || { note "no module at $KO"; result 1 "accelq.ko present"; finish; }

if [ -d /sys/module/accelq ]; then
	note "accelq already loaded: unloading first"
	rmmod accelq
fi
# shellcheck disable=SC2086
out=$(insmod "$KO" sim_engines=2 ${ACCELQ_SCHED_PARAMS:-} 2>&1)
rc=$?
[ -n "$out" ] && note "insmod: $out"
if [ $rc = 0 ]; then
	for _ in $(seq 1 40); do [ -c /dev/accelq ] && break; sleep 0.05; done
	[ -c /dev/accelq ] || rc=1
fi
result $rc "insmod accelq.ko sim_engines=2"
[ $rc = 0 ] || finish

CGROUPS="/accelq-t/a/sub /accelq-t/other /accelq-x /accelq-c/capped
	/accelq-c/free /accelq-l"
for c in $CGROUPS; do mkdir -p "$CG$c"; done

# Tenants of each case: "NAME ARGS..." lines.
tenants() {
	case $1 in
	resolve) printf '%s\n' "r-top --cgroup /accelq-t" "r-a --cgroup /accelq-t/a" \
		"r-uid --uid 4242" ;;
	shares) printf '%s\n' "sh1 --uid 5001 --weight 100" "sh2 --uid 5002 --weight 200" \
		"sh4 --uid 5004 --weight 400" ;;
	cap) printf '%s\n' "capped --cgroup /accelq-c/capped --cap 25000/100000" \
		"free --cgroup /accelq-c/free" ;;
	latency) printf '%s\n' "lat-batch --uid 5101" "lat-lat --uid 5102" ;;
	hang) printf '%s\n' "hang --uid 5201 --guilty-limit 2" ;;
	limits) printf '%s\n' "lim --cgroup /accelq-l --max-queues 3 --max-depth 8 --max-inflight 4 --classes batch" ;;
	delete) printf '%s\n' "del --uid 5301" ;;
	weight) printf '%s\n' "wa --uid 5401 --weight 100" "wb --uid 5402 --weight 100" ;;
	*) return 1 ;;
	esac
}

P=/sys/module/accelq/parameters
save_state() {
	saved_timeout=$(cat $P/job_timeout_ms)
	saved_slice=$(cat $P/timeslice_us)
	saved_default=$(cat $P/default_tenant)
	saved_clock=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/tracing/trace_clock)
}
restore_state() {
	echo "$saved_timeout" >$P/job_timeout_ms
	echo "$saved_slice" >$P/timeslice_us
	echo "$saved_default" >$P/default_tenant
	echo 0 >/sys/kernel/tracing/events/accelq/enable
	echo "$saved_clock" >/sys/kernel/tracing/trace_clock
}

run_case() {
	local c=$1 line name rc d setup=0 st=-1 nfail0=$fail ncase=0
	local -a args
	note "=== $c"
	while IFS= read -r line; do
		read -r -a args <<<"$line"
		nl tenant add "${args[@]}" || { note "tenant add $line failed: $?"; setup=1; }
	done <<<"$(tenants "$c")"
	if [ $setup != 0 ]; then
		result 1 "$c: tenants set up"
	else
		{ timeout -k 5 "$CASE_TIMEOUT" "$T/sched_test" "$c" 2>&1; echo "__status $?"; } |
		while IFS= read -r line; do
			case $line in
			"__status "*) st=${line#__status } ;;
			"ok - "* | "not ok - "*)
				ncase=$((ncase + 1))
				d=${line#*ok - }
				d=${d#"$c: "}
				d=${d#"$c "}
				case $line in
				ok*) result 0 "$c: $d" ;;
				*) result 1 "$c: $d" ;;
				esac
				;;
			*) emit "$line" ;;
			esac
		done
		# 0: all passed; 1: failures, reported above; else it died.
		case $st in
		0 | 1) ;;
		124 | 137) result 1 "$c: sched_test timed out after ${CASE_TIMEOUT}s" ;;
		*) result 1 "$c: sched_test exited with status $st" ;;
		esac
		if [ "$st" = 1 ] && [ "$fail" = "$nfail0" ]; then
			result 1 "$c: sched_test failed without a failing result"
		elif [ $ncase = 0 ]; then
			result 1 "$c: sched_test reported no result"
		fi
	fi
	# A case that stopped early may have left parameters or tracing changed.
	restore_state
	# Tear down: every tenant of the case must go away (the delete case
	# deleted its own).
	rc=0
	while IFS= read -r line; do
		name=${line%% *}
		[ "$c" = delete ] && [ "$name" = del ] && ! "$NL" tenant get del >/dev/null 2>&1 && continue
		nl tenant del "$name" || { note "tenant del $name failed: $?"; rc=1; }
	done <<<"$(tenants "$c")"
	result $rc "$c: tenants deleted after the case"
}

save_state
note "job_timeout_ms=$saved_timeout timeslice_us=$saved_slice default_tenant=$saved_default trace_clock=$saved_clock"
t0=$(date +%s)
for c in $CASES; do
	if ! tenants "$c" >/dev/null; then
		result 1 "unknown case $c"
		continue
	fi
	run_case "$c"
done

out=$("$NL" tenant list 2>&1)
rc=0
[ "$(echo "$out" | grep -c '^id=')" = 1 ] || { note "tenants left: $out"; rc=1; }
result $rc "only the default tenant is left"

for c in $CGROUPS; do
	d=$c
	while [ "$d" != "" ] && [ "$d" != "/" ]; do
		rmdir "$CG$d" 2>/dev/null
		d=${d%/*}
	done
done
for c in $CGROUPS; do [ -d "$CG$c" ] && note "cgroup $c could not be removed"; done

out=$(rmmod accelq 2>&1)
rc=$?
[ -n "$out" ] && note "rmmod: $out"
result $rc "rmmod accelq"
note "run time $(($(date +%s) - t0)) s"
finish
