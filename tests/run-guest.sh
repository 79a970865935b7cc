#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run accelq's in-guest test suite. Runs INSIDE the QEMU guest only:
#
#   make && make -C tests
#   scripts/vm --timeout 1800 -- tests/run-guest.sh [path/to/accelq.ko]
#
# Sequence:
#   1. insmod accelq.ko (default parameters); accelq_test; ledger
#   2. reload with small limits ($LIMITED); accelq_test again (the limit
#      tests that SKIP with default limits run here); ledger again
#   3. module lifecycle: rmmod refused while a file is open, rmmod after
#      close, insmod again, device usable again
#
# TAP output of every program goes to $ACCELQ_OUT/tap/*.tap (plus this
# script's own checks in run-guest.tap). The last line printed is
# "N passed, N failed" (", N skipped" appended when tests skipped), counting
# every top-level ok / not ok line; the exit status is non-zero if anything
# failed or a program crashed, hung or printed an incomplete plan.
#
# Environment: ACCELQ_OUT results dir (set by scripts/vm); LEDGER_DURATION
# (seconds per ledger run, default 10); LEDGER_SEED (default 1);
# ACCELQ_TEST_ARGS extra accelq_test arguments (e.g. "-f submit").
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
T=$REPO/tests
KO=${1:-$REPO/accelq.ko}
LIMITED="sim_engines=2 max_queues=8 max_depth=16 max_batch=32 max_client_jobs=64"
LEDGER_DURATION=${LEDGER_DURATION:-10}
LEDGER_SEED=${LEDGER_SEED:-1}
PROG_TIMEOUT=${PROG_TIMEOUT:-900}

if [ "${ACCELQ_IN_VM:-}" != 1 ]; then
	echo "run-guest.sh: refusing to load modules outside the QEMU guest;" >&2
	echo "run-guest.sh: use: scripts/vm -- tests/run-guest.sh" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "run-guest.sh: must run as root (in the guest)" >&2
	exit 2
fi

OUT=${ACCELQ_OUT:-$(mktemp -d /tmp/accelq-tests.XXXXXX)}
TAPDIR=$OUT/tap
rm -rf "$TAPDIR"
mkdir -p "$TAPDIR" || exit 2
SELF_TAP=$TAPDIR/run-guest.tap
: >"$SELF_TAP"
self_n=0

# ok COND-STATUS DESCRIPTION: one result line of our own TAP file
result() {
	self_n=$((self_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $self_n - $2" | tee -a "$SELF_TAP"
	else
		echo "not ok $self_n - $2" | tee -a "$SELF_TAP"
	fi
}
note() { echo "# $*" | tee -a "$SELF_TAP"; }

mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing

module_loaded() { [ -d /sys/module/accelq ]; }

wait_dev() {
	# wait_dev present|absent
	local i
	for i in $(seq 1 40); do
		if [ "$1" = present ]; then [ -c /dev/accelq ] && return 0; else [ ! -e /dev/accelq ] && return 0; fi
		sleep 0.05
	done
	return 1
}

load() {
	# load [params...]
	local out rc
	out=$(insmod "$KO" "$@" 2>&1)
	rc=$?
	[ -n "$out" ] && note "insmod: $out"
	[ $rc = 0 ] && { wait_dev present || { note "/dev/accelq did not appear"; rc=1; }; }
	result $rc "insmod accelq.ko${*:+ $*}"
	return $rc
}

unload() {
	local out rc
	out=$(rmmod accelq 2>&1)
	rc=$?
	[ -n "$out" ] && note "rmmod: $out"
	[ $rc = 0 ] && { wait_dev absent || { note "/dev/accelq still there"; rc=1; }; }
	result $rc "rmmod accelq${1:+ ($1)}"
	return $rc
}

# run NAME CMD...: run a TAP program into $TAPDIR/NAME.tap, check it ended
# properly (exit 0/1/4, plan complete)
run() {
	local name=$1 f rc plan n
	shift
	f=$TAPDIR/$name.tap
	echo "=== $name: $*"
	timeout -k 10 "$PROG_TIMEOUT" "$@" 2>&1 | tee "$f"
	rc=${PIPESTATUS[0]}
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$f" | head -n1)
	n=$(grep -cE '^(ok|not ok)( |$)' "$f")
	case $rc in
	0 | 1 | 4) ;;
	124 | 137) note "$name: timed out after ${PROG_TIMEOUT}s" ;;
	*) note "$name: exit status $rc" ;;
	esac
	if [ -z "$plan" ] || [ "$n" != "$plan" ]; then
		note "$name: plan ${plan:-missing}, $n results"
		case $rc in 0 | 1 | 4) rc=99 ;; esac
	fi
	case $rc in
	0 | 1 | 4) result 0 "$name ran to completion" ;;
	*) result 1 "$name ran to completion (crashed, hung or incomplete: status $rc)" ;;
	esac
}

[ -x "$T/accelq_test" ] && [ -x "$T/ledger" ] || {
	note "tests not built: run 'make -C tests' on the host first"
	result 1 "test programs built"
}
[ -r "$KO" ] || { note "no module at $KO"; result 1 "accelq.ko present"; }

if module_loaded; then
	note "accelq already loaded: unloading first"
	rmmod accelq
fi

# ------------------------------------------------- 1. default parameters --
if [ -x "$T/accelq_test" ] && load; then
	# shellcheck disable=SC2086
	ACCELQ_PARAMS="" run accelq_test "$T/accelq_test" ${ACCELQ_TEST_ARGS:-}
	run ledger "$T/ledger" --seed "$LEDGER_SEED" --duration "$LEDGER_DURATION"
	unload "after default-parameter runs"
fi

# ------------------------------------------------------- 2. small limits --
# shellcheck disable=SC2086
if [ -x "$T/accelq_test" ] && ! module_loaded && load $LIMITED; then
	# shellcheck disable=SC2086
	ACCELQ_PARAMS="$LIMITED" run accelq_test-limited "$T/accelq_test" ${ACCELQ_TEST_ARGS:-}
	run ledger-limited "$T/ledger" --seed "$((LEDGER_SEED + 1))" \
		--duration "$LEDGER_DURATION"

	# --------------------------------------------------- 3. lifecycle --
	if exec 3<>/dev/accelq; then
		result 0 "open /dev/accelq from the shell"
		refcnt=$(cat /sys/module/accelq/refcnt 2>/dev/null)
		[ "${refcnt:-0}" -ge 1 ] 2>/dev/null
		result $? "module refcount is held by the open file (refcnt ${refcnt:-?})"
		out=$(rmmod accelq 2>&1)
		rc=$?
		note "rmmod while open: rc $rc: $out"
		if [ $rc != 0 ] && module_loaded && [ -c /dev/accelq ] &&
			printf '%s' "$out" | grep -qiE 'in use|busy'; then
			result 0 "rmmod refused (in use) while a file is open"
		else
			result 1 "rmmod refused (in use) while a file is open"
		fi
		exec 3>&-
	else
		result 1 "open /dev/accelq from the shell"
	fi
	if unload "after the last file was closed"; then
		! module_loaded
		result $? "/sys/module/accelq is gone"
		if load; then
			ACCELQ_PARAMS="" "$T/accelq_test" -r info.stable_per_file \
				-r submit.basic_seqnos -r readpoll.record_fields \
				>"$TAPDIR/reload.log" 2>&1
			result $? "device works after insmod again (see reload.log)"
			unload "final"
		fi
	fi
fi

# ---------------------------------------------------------------- summary --
pass=0 fail=0 skip=0
for f in "$TAPDIR"/*.tap; do
	[ -f "$f" ] || continue
	p=$(grep -E '^ok( |$)' "$f" | grep -vcE '#[[:space:]]*(SKIP|skip)')
	s=$(grep -E '^ok( |$)' "$f" | grep -cE '#[[:space:]]*(SKIP|skip)')
	x=$(grep -cE '^not ok( |$)' "$f")
	# a plan of 1..0 (whole program skipped) counts as one skip
	if grep -qE '^1\.\.0( |$)' "$f"; then s=$((s + 1)); fi
	printf '# %-24s %4d passed %4d failed %4d skipped\n' "$(basename "$f" .tap)" "$p" "$x" "$s"
	pass=$((pass + p)) fail=$((fail + x)) skip=$((skip + s))
done
if [ "$skip" -gt 0 ]; then
	summary="$pass passed, $fail failed, $skip skipped"
else
	summary="$pass passed, $fail failed"
fi
echo "$summary" >"$OUT/summary.txt"
echo "$summary"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
