#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-debug: the whole guest suite on a debug kernel (KASAN, UBSAN,
# lockdep, kmemleak, DEBUG_LIST/OBJECTS, fault injection), plus the fault
# injection sweep, the fuzzers and the security checks. See
# docs/check-debug.md.
#
#   scripts/check-debug.sh [--suites LIST] [--timeout SECS]
#
# 1. installs the build dependencies it lacks (apt-get; root only)
# 2. builds or reuses the debug kernel (scripts/debug-kernel.sh; the first
#    build takes ~30 min on 2 cores, cached in ~/.cache/accelq-debug-kernel)
# 3. builds accelq.ko against it in out/debug-build/ (a copy of the sources:
#    ./accelq.ko, built against the Debian headers, is left alone) and the
#    userspace tests
# 4. boots the debug kernel (scripts/vm --kernel, -cpu max,la57=off) and
#    runs "$0 --guest" there: every suite in LIST, then two kmemleak scans;
#    a leak whose backtrace mentions accelq fails the run, others are listed
# 5. fails on any KASAN/UBSAN/lockdep/WARN/... in the kernel log (scripts/vm)
#
# LIST (comma separated, default all): unit (tests/run-guest.sh), netlink
# (tests/run-netlink.sh), sched, bpf, daemon, fuzz, fault, security. Suites
# whose runner does not exist yet are skipped with a note.
# Results: out/check-debug/ (summary.txt, vm/ with the console and dmesg,
# one directory per suite). The last line is "N passed, N failed[, N skipped]".
#
# Environment: ACCELQ_DEBUG_CACHE (kernel cache root), ACCELQ_CHECK_DEBUG_OUT
# (results dir), FUZZ_DURATION / TRINITY_DURATION / FAULT_MAX /
# LEDGER_DURATION (passed to the suites), ACCELQ_VM_MEM (default 4G).
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
ALL_SUITES=unit,netlink,sched,bpf,daemon,fuzz,fault,security
# Packages only check-debug needs (on top of scripts/setup-deps.sh).
DEBUG_PKGS="flex bison bc libelf-dev libssl-dev dwarves trinity clang libclang-rt-14-dev
libnl-3-dev libnl-genl-3-dev xz-utils"

say() { echo "check-debug: $*" >&2; }
die() { say "error: $*"; exit 1; }

# ================================================================= guest ==
# "$0 --guest KO SUITES": runs inside the debug kernel guest.
guest() {
	local ko=$1 suites=$2 s rc dir log p f x k total=0 pass=0 fail=0 skip=0
	local res=$ACCELQ_OUT/suites.txt

	: >"$res"
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
	echo "# kernel $(uname -r), module $ko"
	zcat /proc/config.gz 2>/dev/null | grep -q '^CONFIG_KASAN=y' ||
		echo "# warning: this kernel does not look like the debug kernel"
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan >/sys/kernel/debug/kmemleak
		echo clear >/sys/kernel/debug/kmemleak
	else
		echo "# warning: no kmemleak"
	fi

	run_suite() {
		# run_suite NAME DIR TIMEOUT CMD...: its TAP counted from its log
		local name=$1 tmo=$3 t0=$SECONDS
		dir=$ACCELQ_OUT/$2
		shift 3
		mkdir -p "$dir"
		log=$dir/output.log
		echo "=== suite $name: $*"
		ACCELQ_OUT=$dir timeout -k 20 "$tmo" "$@" >"$log" 2>&1
		rc=$?
		# The top-level TAP lines of the suite's output (indented sub-TAP
		# and "# " lines are not counted).
		p=$(grep -E '^ok [0-9]+' "$log" | grep -vcE '# *(SKIP|skip)')
		k=$(grep -cE '^ok [0-9]+.*# *(SKIP|skip)' "$log")
		x=$(grep -cE '^not ok [0-9]+' "$log")
		if grep -qE '^1\.\.0( |$)' "$log"; then k=$((k + 1)); fi
		if [ "$rc" != 0 ] && [ "$x" = 0 ]; then
			x=1
			echo "not ok - suite $name exited $rc$([ "$rc" = 124 ] && echo ' (timeout)')" >>"$log"
		fi
		grep -E '^not ok ' "$log" | head -n 20 | sed "s/^/  [$name] /"
		printf '%-10s %4d passed %4d failed %4d skipped  exit %3d  %5ds\n' \
			"$name" "$p" "$x" "$k" "$rc" "$((SECONDS - t0))" | tee -a "$res"
		pass=$((pass + p)) fail=$((fail + x)) skip=$((skip + k))
		[ -d /sys/module/accelq ] && rmmod accelq 2>/dev/null
		return 0
	}
	missing() {
		echo "# suite $1: $2 does not exist yet: skipped"
		printf '%-10s    0 passed    0 failed    1 skipped  (%s missing)\n' "$1" "$2" | tee -a "$res"
		skip=$((skip + 1))
	}

	for s in ${suites//,/ }; do
		case $s in
		unit) f=$REPO/tests/run-guest.sh
			[ -x "$f" ] && run_suite unit unit 5400 "$f" "$ko" || missing unit "$f" ;;
		netlink) f=$REPO/tests/run-netlink.sh
			[ -x "$f" ] && run_suite netlink netlink 2400 "$f" "$ko" || missing netlink "$f" ;;
		sched) f=$REPO/tests/sched/run.sh
			[ -x "$f" ] && run_suite sched sched 3600 "$f" "$ko" || missing sched "$f" ;;
		bpf) f=$REPO/tests/bpf/run.sh
			[ -x "$f" ] && run_suite bpf bpf 2400 env ACCELQ_KO="$ko" \
				ACCELQ_BPF_EXPECT_POSSIBLE=4 "$f" || missing bpf "$f" ;;
		daemon) f=$REPO/tests/daemon/run.sh
			[ -x "$f" ] && run_suite daemon daemon 3600 env ACCELQ_KO="$ko" "$f" ||
				missing daemon "$f" ;;
		fuzz) f=$REPO/tests/fuzz/run.sh
			[ -x "$f" ] && run_suite fuzz fuzz 2400 "$f" "$ko" || missing fuzz "$f" ;;
		fault) f=$REPO/tests/fault/run.sh
			[ -x "$f" ] && run_suite fault fault 5400 "$f" "$ko" || missing fault "$f" ;;
		security) f=$REPO/tests/security/run.sh
			[ -x "$f" ] && run_suite security security 1800 "$f" "$ko" || missing security "$f" ;;
		*) echo "# unknown suite $s"; fail=$((fail + 1)) ;;
		esac
	done

	# kmemleak: objects younger than ~5 s are never reported, hence the
	# waits; two scans, as the kmemleak documentation recommends.
	if [ -w /sys/kernel/debug/kmemleak ]; then
		sleep 6
		echo scan >/sys/kernel/debug/kmemleak
		sleep 6
		if ! echo scan >/sys/kernel/debug/kmemleak || dmesg | grep -q 'kmemleak: .*disabled'; then
			# (fault injection can exhaust its object pool)
			echo "not ok - kmemleak still works at the end ($(dmesg | grep -m1 'kmemleak:.*disabled'))"
			fail=$((fail + 1))
		fi
		cat /sys/kernel/debug/kmemleak >"$ACCELQ_OUT/kmemleak-all.txt"
		total=$(grep -c '^unreferenced object' "$ACCELQ_OUT/kmemleak-all.txt")
		# One record per object, from its "unreferenced object" line to
		# the next. Attributable if a backtrace frame names accelq, or is
		# a raw module address: accelq is the only module in this kernel
		# and, unloaded by now, its frames are no longer symbolized. (The
		# hex dump is not looked at: a slab name there proves nothing.)
		awk 'function flush() { if (hit) printf "%s", rec; rec = ""; hit = 0 }
		     /^unreferenced object/ { flush() }
		     { rec = rec $0 "\n" }
		     /^ *\[<[0-9a-f]+>\] / && ($0 ~ /accelq/ || $0 ~ /\] 0xffffffff[0-9a-f]+$/) { hit = 1 }
		     END { flush() }' \
			"$ACCELQ_OUT/kmemleak-all.txt" >"$ACCELQ_OUT/kmemleak-accelq.txt"
		x=$(grep -c '^unreferenced object' "$ACCELQ_OUT/kmemleak-accelq.txt")
		if [ "$x" -gt 0 ]; then
			echo "not ok - kmemleak: $x of $total leaked objects point at accelq"
			head -n 40 "$ACCELQ_OUT/kmemleak-accelq.txt" | sed 's/^/#   /'
			fail=$((fail + 1))
		else
			echo "ok - kmemleak: no leak attributable to accelq ($total other suspected objects)"
			pass=$((pass + 1))
			[ "$total" -gt 0 ] &&
				grep -A12 '^unreferenced object' "$ACCELQ_OUT/kmemleak-all.txt" | head -n 30 | sed 's/^/#   /'
		fi
		printf '%-10s %4d passed %4d failed %4d skipped  (%d suspected objects, %d accelq)\n' \
			kmemleak "$([ "$x" = 0 ] && echo 1 || echo 0)" "$([ "$x" = 0 ] && echo 0 || echo 1)" 0 "$total" "$x" |
			tee -a "$res"
	fi

	if [ "$skip" -gt 0 ]; then
		echo "$pass passed, $fail failed, $skip skipped" | tee "$ACCELQ_OUT/summary.txt"
	else
		echo "$pass passed, $fail failed" | tee "$ACCELQ_OUT/summary.txt"
	fi
	[ "$fail" = 0 ]
}

if [ "${1:-}" = --guest ]; then
	[ "${ACCELQ_IN_VM:-}" = 1 ] || die "--guest runs inside the QEMU guest only"
	guest "$2" "${3:-$ALL_SUITES}"
	exit $?
fi

# ================================================================== host ==
SUITES=$ALL_SUITES
TIMEOUT=${ACCELQ_CHECK_DEBUG_TIMEOUT:-21600}
while [ $# -gt 0 ]; do
	case $1 in
	--suites) SUITES=$2; shift 2 ;;
	--suites=*) SUITES=${1#*=}; shift ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	-h | --help) sed -n '3,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (try --help)" ;;
	esac
done
OUT=${ACCELQ_CHECK_DEBUG_OUT:-$REPO/out/check-debug}
BUILD=$REPO/out/debug-build

# 1. dependencies
missing=
for p in $DEBUG_PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (apt-get install$missing)"
	say "installing:$missing"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >&2 || die "apt-get install failed"
fi

# 2. the debug kernel
say "debug kernel: $("$REPO/scripts/debug-kernel.sh" --status) in $("$REPO/scripts/debug-kernel.sh" --print-dir)"
TREE=$(nice -n "${ACCELQ_DEBUG_NICE:-19}" "$REPO/scripts/debug-kernel.sh") || die "debug kernel build failed"
IMAGE=$TREE/arch/x86/boot/bzImage
KREL=$(make -s -C "$TREE" kernelrelease 2>/dev/null)

# 3. accelq.ko against it, in a copy of the sources
say "building accelq.ko against $KREL in $BUILD"
rm -rf "$BUILD/src"
mkdir -p "$BUILD/src"
cp -a "$REPO/Kbuild" "$REPO/kmod" "$REPO/uapi" "$BUILD/src/"
find "$BUILD/src" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \) -delete
make -C "$TREE" M="$BUILD/src" -j"$(nproc)" modules >"$BUILD/build.log" 2>&1 ||
	{ tail -n 30 "$BUILD/build.log" >&2; die "module build failed (log: $BUILD/build.log)"; }
KO=$BUILD/src/accelq.ko
[ -f "$KO" ] || die "no $KO"
modinfo -F vermagic "$KO" | grep -q "^$KREL " || say "warning: vermagic $(modinfo -F vermagic "$KO")"

say "building the userspace tests"
for d in tests tools tests/fuzz tests/fault tests/security tests/sched tests/bpf bpf daemon tests/daemon; do
	[ -f "$REPO/$d/Makefile" ] || continue
	make -s -C "$REPO/$d" >"$BUILD/make-${d//\//-}.log" 2>&1 ||
		say "warning: make -C $d failed (see $BUILD/make-${d//\//-}.log); its suite may fail"
done

# 4. the guest run
rm -rf "$OUT"
mkdir -p "$OUT"
say "booting $KREL (KASAN, lockdep, kmemleak; TCG is slow: boot ~90 s); suites: $SUITES"
t0=$(date +%s)
ACCELQ_VM_CPU=${ACCELQ_VM_CPU:-max,la57=off} ACCELQ_VM_KMEMLEAK=0 \
ACCELQ_LOG_ALLOW=${ACCELQ_LOG_ALLOW:-'kmemleak: [0-9]+ new suspected memory leaks'} \
	"$REPO/scripts/vm" --kernel "$IMAGE" --timeout "$TIMEOUT" --mem "${ACCELQ_VM_MEM:-4G}" \
	--smp 2 --maxcpus 4 --out "$OUT/vm" \
	--env "FUZZ_DURATION=${FUZZ_DURATION:-60}" --env "TRINITY_DURATION=${TRINITY_DURATION:-60}" \
	--env "FAULT_MAX=${FAULT_MAX:-3000}" --env "LEDGER_DURATION=${LEDGER_DURATION:-10}" \
	-- "$REPO/scripts/check-debug.sh" --guest "$KO" "$SUITES" 2>&1 | tee "$OUT/guest.log"
vm_rc=${PIPESTATUS[0]}
t1=$(date +%s)

summary=$(tail -n 1 "$OUT/vm/summary.txt" 2>/dev/null)
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "kernel: $KREL ($IMAGE)"
	echo "module: $KO"
	echo "suites: $SUITES"
	echo "duration: $(((t1 - t0) / 60)) min"
	echo "vm exit: $vm_rc"
	cat "$OUT/vm/suites.txt" 2>/dev/null
	echo "result: ${summary:-no summary}"
} >"$OUT/summary.txt"
say "results in $OUT (summary.txt, vm/dmesg.txt, one directory per suite)"
case $vm_rc in
0) ;;
122) say "FAIL: the kernel log shows a problem (KASAN/UBSAN/lockdep/WARN...): see above and $OUT/vm/dmesg.txt" ;;
124) say "FAIL: timeout after ${TIMEOUT}s" ;;
*) say "FAIL: guest exit $vm_rc" ;;
esac
if [ -n "$summary" ]; then
	# a clean suite with a bad kernel log still fails
	if [ "$vm_rc" = 122 ]; then
		echo "${summary%% passed*} passed, $(( $(echo "$summary" | sed -n 's/.* \([0-9]*\) failed.*/\1/p') + 1 )) failed${summary#*failed}"
	else
		echo "$summary"
	fi
else
	echo "0 passed, 1 failed"
fi
[ "$vm_rc" = 0 ]
