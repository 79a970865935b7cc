#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the generic netlink tests. Runs INSIDE the QEMU guest only:
#
#   make module && make -C tests netlink_test && make -C tools
#   scripts/vm --timeout 1200 -- tests/run-netlink.sh [path/to/accelq.ko]
#
# Loads accelq.ko ($NETLINK_PARAMS, default none), runs tests/netlink_test
# (kselftest TAP) and a few checks of tools/accelq-nl, unloads the module.
# TAP goes to stdout and to $ACCELQ_OUT/tap/{netlink_test,run-netlink}.tap;
# the last line is "N passed, N failed" (", N skipped" when some skipped).
# Exit status: 0 when everything passed.
#
# Environment: ACCELQ_OUT results dir (set by scripts/vm); NETLINK_PARAMS
# module parameters; PROG_TIMEOUT (seconds, default 900).
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
KO=${1:-$REPO/accelq.ko}
TEST=$REPO/tests/netlink_test
CLI=$REPO/tools/accelq-nl
PROG_TIMEOUT=${PROG_TIMEOUT:-900}

if [ "${ACCELQ_IN_VM:-}" != 1 ]; then
	echo "run-netlink.sh: refusing to load modules outside the QEMU guest;" >&2
	echo "run-netlink.sh: use: scripts/vm -- tests/run-netlink.sh" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "run-netlink.sh: must run as root" >&2; exit 2; }

OUT=${ACCELQ_OUT:-$(mktemp -d /tmp/accelq-nl.XXXXXX)}
TAPDIR=$OUT/tap
mkdir -p "$TAPDIR" || exit 2
SELF_TAP=$TAPDIR/run-netlink.tap
: >"$SELF_TAP"
n=0

result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2" | tee -a "$SELF_TAP"
	else
		echo "not ok $n - $2" | tee -a "$SELF_TAP"
	fi
}
note() { echo "# $*" | tee -a "$SELF_TAP"; }

mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup

[ -d /sys/module/accelq ] && { note "accelq already loaded: unloading"; rmmod accelq; }
# shellcheck disable=SC2086
out=$(insmod "$KO" ${NETLINK_PARAMS:-} 2>&1)
rc=$?
[ -n "$out" ] && note "insmod: $out"
result $rc "insmod $KO ${NETLINK_PARAMS:-}"

if [ $rc = 0 ]; then
	if [ -x "$TEST" ]; then
		echo "=== netlink_test"
		timeout -k 10 "$PROG_TIMEOUT" "$TEST" 2>&1 |
			tee "$TAPDIR/netlink_test.tap"
		rc=${PIPESTATUS[0]}
		plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$TAPDIR/netlink_test.tap" | head -n1)
		got=$(grep -cE '^(ok|not ok)( |$)' "$TAPDIR/netlink_test.tap")
		[ -n "$plan" ] && [ "$plan" = "$got" ] && case $rc in 0 | 1 | 4) true ;; *) false ;; esac
		result $? "netlink_test ran to completion (status $rc, plan ${plan:-none}, $got results)"
	else
		result 1 "tests/netlink_test built (make -C tests netlink_test)"
	fi

	if [ -x "$CLI" ]; then
		echo "=== accelq-nl"
		"$CLI" engine list >"$OUT/nl-cli.out" 2>&1
		result $? "accelq-nl engine list"
		"$CLI" tenant add nlcli-a --uid 4000 --weight 300 --cap 10000/100000 \
			--burst 500 --classes batch --max-queues 4 --max-inflight 100 \
			--max-depth 64 --guilty-limit 2 >"$OUT/nl-cli.out" 2>&1
		result $? "accelq-nl tenant add"
		line=$("$CLI" tenant get nlcli-a 2>&1)
		case $line in
		*"name=nlcli-a match=uid uid=4000 weight=300 cap_quota_ns=10000000 cap_period_ns=100000000 cap_burst_ns=500000 classes=batch max_queues=4 max_inflight=100 max_depth=64 guilty_limit=2 "*)
			result 0 "accelq-nl tenant get shows what was set" ;;
		*) note "got: $line"; result 1 "accelq-nl tenant get shows what was set" ;;
		esac
		"$CLI" tenant set nlcli-a --weight 5 >/dev/null 2>&1 &&
			"$CLI" --json tenant list 2>&1 | grep -q '"name":"nlcli-a","match":"uid","uid":4000,"weight":5,'
		result $? "accelq-nl tenant set + --json tenant list"
		err=$("$CLI" tenant add nlcli-b --uid 4001 --weight 0 2>&1 >/dev/null)
		rc=$?
		[ $rc = 34 ] && printf '%s' "$err" | grep -q 'ACCELQ_A_TENANT_WEIGHT'
		result $? "accelq-nl exits with the errno and names the attribute ($rc: $err)"
		"$CLI" tenant del nlcli-a >/dev/null 2>&1
		result $? "accelq-nl tenant del"
		"$CLI" tenant get nlcli-a >/dev/null 2>&1
		[ $? = 2 ]
		result $? "accelq-nl tenant get of a deleted tenant exits ENOENT"
		"$CLI" queue list >/dev/null 2>&1
		result $? "accelq-nl queue list"
	else
		note "tools/accelq-nl not built (make -C tools): CLI checks skipped"
	fi

	out=$(rmmod accelq 2>&1)
	rc=$?
	[ -n "$out" ] && note "rmmod: $out"
	result $rc "rmmod accelq"
fi
echo "1..$n" >>"$SELF_TAP"

pass=0 fail=0 skip=0
for f in "$TAPDIR/netlink_test.tap" "$SELF_TAP"; do
	[ -f "$f" ] || continue
	p=$(grep -E '^ok( |$)' "$f" | grep -vcE '#[[:space:]]*(SKIP|skip)')
	s=$(grep -E '^ok( |$)' "$f" | grep -cE '#[[:space:]]*(SKIP|skip)')
	x=$(grep -cE '^not ok( |$)' "$f")
	pass=$((pass + p)) fail=$((fail + x)) skip=$((skip + s))
done
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
