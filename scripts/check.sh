#!/bin/bash
# make check: host-side unit tests, then the guest suite in a fresh QEMU
# guest running the Debian kernel. Ends with "N passed, N failed".
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
OUT=${ACCELQ_CHECK_OUT:-$REPO/out/check}
rm -rf "$OUT"
mkdir -p "$OUT"

passed=0
failed=0
skipped=0

# Count TAP result lines of one log.
tally() {
	local log=$1 p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# (SKIP|skip)' "$log" | head -1)
	f=$(grep -cE '^not ok [0-9]+' "$log" | head -1)
	passed=$((passed + p - s))
	skipped=$((skipped + s))
	failed=$((failed + f))
}

run_host() {
	local name=$1
	shift
	echo "# host: $name"
	"$@" >"$OUT/host-$name.tap" 2>&1
	local rc=$?
	cat "$OUT/host-$name.tap"
	if grep -qE '^(not )?ok [0-9]+' "$OUT/host-$name.tap"; then
		tally "$OUT/host-$name.tap"
		if [ $rc -ne 0 ] && ! grep -qE '^not ok' "$OUT/host-$name.tap"; then
			echo "not ok - host $name exited $rc"
			failed=$((failed + 1))
		fi
	elif [ $rc -eq 0 ]; then
		echo "ok - host $name"
		passed=$((passed + 1))
	else
		echo "not ok - host $name exited $rc"
		failed=$((failed + 1))
	fi
}

for t in "$REPO"/tests/unit/test_* "$REPO"/tests/daemon/unit/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.c|*.h) continue ;; esac
	run_host "$(basename "$t")" "$t"
done
run_host check-kernel-log "$REPO/scripts/test-check-kernel-log.sh"
# make install/install-module/dkms-install/uninstall into staging
# directories; also caches the udev and dkms packages ops-systemd unpacks
run_host ops-install "$REPO/tests/ops/install.sh"
# the daemon's config parser and metrics rendering under libFuzzer (ASan,
# UBSan), briefly: make check-debug and tests/fuzz/run-libfuzzer.sh 600
# run longer
run_host libfuzzer "$REPO/tests/fuzz/run-libfuzzer.sh" "${ACCELQ_LIBFUZZER_SECS:-10}"

# One fresh guest per suite: each gets its own kernel log check.
run_guest() {
	local name=$1 script=$2
	shift 2
	if [ ! -x "$REPO/${script%% *}" ]; then
		echo "# guest: $name: $script missing, skipped"
		return
	fi
	echo "# guest: $name ($script)"
	"$REPO/scripts/vm" --timeout "${ACCELQ_CHECK_TIMEOUT:-1500}" \
		--out "$OUT/vm-$name" "$@" -- "$REPO/$script" 2>&1 |
		tee "$OUT/guest-$name.log"
	local vm_rc=${PIPESTATUS[0]}
	tally "$OUT/guest-$name.log"
	if [ "$vm_rc" -ne 0 ]; then
		echo "not ok - guest suite $name exited $vm_rc (see $OUT/vm-$name)"
		failed=$((failed + 1))
	fi
}

run_guest core tests/run-guest.sh
run_guest netlink tests/run-netlink.sh
run_guest sched tests/sched/run.sh
run_guest bpf tests/bpf/run.sh --smp 2 --maxcpus 4 \
	--env ACCELQ_BPF_EXPECT_POSSIBLE=4
run_guest daemon tests/daemon/run.sh
run_guest systemd tests/daemon/systemd.sh --init systemd
run_guest ops tests/ops/run.sh
# (the DKMS build in the guest is left out: ~5 min under TCG; OPS_DKMS=1
# runs it, e.g. scripts/vm --init systemd --env OPS_DKMS=1 -- tests/ops/systemd.sh)
run_guest ops-systemd tests/ops/systemd.sh --init systemd
# 40 vanishing D-Bus callers instead of 100: the storm of 100 takes 40-60 s
# under TCG; make check-debug runs the full one
run_guest security tests/security/run.sh --env SEC_STORM=40
run_guest bench-smoke "bench/run.sh --smoke"

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
