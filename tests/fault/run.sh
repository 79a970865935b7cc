#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fault-injection sweep of accelq (issue #7). Runs INSIDE the QEMU guest on
# the debug kernel only (scripts/check-debug.sh runs it):
#
#   make -C tests/fault
#   scripts/vm --kernel <debug bzImage> -- tests/fault/run.sh path/to/accelq.ko
#
# 1. insmod; fault_sweep: every ioctl, read(), open/close and every netlink
#    command under failslab / fail_page_alloc / fail_usercopy via
#    /proc/thread-self/fail-nth (see fault_sweep.c); rmmod
# 2. with FAULT_MODLOAD=1 only: fault_sweep --modload: finit_module() of
#    accelq.ko under the same faults; every failed load leaves nothing
#    behind. Off by default: the module loader and the tracing core print
#    warn_alloc()/dump_stack() and WARN (taint W) on their own failure
#    paths (vmalloc, event_define_fields, kmem_cache_create), which fails
#    scripts/vm's log check although nothing is wrong in accelq; this step
#    classifies the kernel log itself instead (KASAN/UBSAN/lockdep/BUG are
#    failures, WARNINGs are listed).
# 3. a clean insmod/rmmod afterwards
# On a kernel without fault injection it prints "1..0 # SKIP ...".
# TAP on stdout and in $ACCELQ_OUT/fault.tap. Environment: FAULT_MAX
# (largest N per operation, default 3000), FAULT_MODLOAD=1 adds step 2.
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
S=$REPO/tests/fault/fault_sweep
KO=${1:-$REPO/accelq.ko}
MAX=${FAULT_MAX:-3000}

if [ "${ACCELQ_IN_VM:-}" != 1 ]; then
	echo "fault/run.sh: refusing to load modules outside the QEMU guest; use scripts/vm" >&2
	exit 2
fi
OUT=${ACCELQ_OUT:-/tmp}
TAP=$OUT/fault.tap
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
if [ ! -d /sys/kernel/debug/failslab ] || [ ! -e /proc/self/fail-nth ]; then
	echo "1..0 # SKIP not a fault-injection kernel (boot the debug kernel: scripts/check-debug.sh)" | tee "$TAP"
	exit 0
fi
[ -x "$S" ] || { echo "Bail out! $S not built (make -C tests/fault)"; exit 1; }

n=0 failed=0
: >"$TAP"
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2" | tee -a "$TAP"
	else
		echo "not ok $n - $2" | tee -a "$TAP"
		failed=$((failed + 1))
	fi
}
sub() {
	# sub NAME CMD...: a TAP program; its results become ours
	local name=$1 rc line
	shift
	echo "=== $name: $*"
	"$@" >"$OUT/$name.log" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "*)
			d=${line#*- }
			case $line in ok*) result 0 "$name: $d" ;; *) result 1 "$name: $d" ;; esac
			;;
		"1..0"*) echo "# $name: $line" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$OUT/$name.log"
	grep -q '^1\.\.' "$OUT/$name.log" || result 1 "$name: no TAP plan (exit $rc)"
	return $rc
}

[ -d /sys/module/accelq ] && rmmod accelq
out=$(insmod "$KO" 2>&1)
result $? "insmod $KO${out:+: $out}"
for i in $(seq 1 40); do [ -c /dev/accelq ] && break; sleep 0.05; done
t0=$SECONDS
sub fault_sweep "$S" --max "$MAX"
echo "# sweep took $((SECONDS - t0)) s"
out=$(rmmod accelq 2>&1)
result $? "rmmod after the sweep${out:+: $out}"

if [ "${FAULT_MODLOAD:-0}" = 1 ]; then
	t0=$SECONDS
	dmesg >"$OUT/dmesg-before-modload.txt"
	sub fault_modload "$S" --modload "$KO"
	echo "# modload sweep took $((SECONDS - t0)) s"
	[ -d /sys/module/accelq ] && rmmod accelq
	dmesg | tail -n +"$(($(wc -l <"$OUT/dmesg-before-modload.txt") + 1))" >"$OUT/dmesg-modload.txt"
	bugs=$(grep -cE 'KASAN|UBSAN|BUG:|kernel BUG|Oops|general protection|possible circular|inconsistent lock|possible recursive|suspicious RCU|list_(add|del) corruption|refcount_t:|DEBUG_LOCKS_WARN_ON' "$OUT/dmesg-modload.txt")
	grep -E 'WARNING: CPU' "$OUT/dmesg-modload.txt" | sed 's/.*WARNING: CPU: [0-9]* PID: [0-9]* at /# modload: kernel WARNING at /' | sort | uniq -c | sed 's/^/#/'
	grep -E 'failed with error|vmalloc error|Could not create tracefs' "$OUT/dmesg-modload.txt" | sed 's/^\[[ 0-9.]*\] //' | sort | uniq -c | head -n 10 | sed 's/^/# modload: /'
	result "$([ "$bugs" = 0 ] && echo 0 || echo 1)" "module-load sweep: no KASAN/UBSAN/lockdep/BUG report ($bugs)"
fi

out=$(insmod "$KO" 2>&1)
result $? "clean insmod after the sweeps${out:+: $out}"
if [ -d /sys/module/accelq ]; then
	for i in $(seq 1 40); do [ -c /dev/accelq ] && break; sleep 0.05; done
	exec 3<>/dev/accelq
	result $? "open /dev/accelq"
	exec 3>&-
	out=$(rmmod accelq 2>&1)
	result $? "rmmod${out:+: $out}"
fi
echo "1..$n" | tee -a "$TAP"
echo "fault: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
