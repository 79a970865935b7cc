#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Tests of the accelq BPF collectors; TAP on stdout.
#
# On the host: builds accelq.ko, bpf/ and tests/bpf/, then boots a guest
# with 2 online and 4 possible CPUs and runs itself there:
#   tests/bpf/run.sh [scripts/vm options...]
# In the guest (ACCELQ_IN_VM=1, root): runs the tests, insmod/rmmod as needed:
#   scripts/vm --smp 2 --maxcpus 4 --env ACCELQ_BPF_EXPECT_POSSIBLE=4 -- tests/bpf/run.sh
#
# Saved to $ACCELQ_OUT: bpf-verifier*.log (libbpf/verifier logs), bpf-*.txt.
# Environment: ACCELQ_BPF_EXPECT_POSSIBLE (possible CPUs the guest must
# have), ACCELQ_KO (module to load, default ./accelq.ko).
set -u

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)

if [ "${ACCELQ_IN_VM:-}" != 1 ]; then
	make -s -C "$REPO" module >&2 && make -s -C "$REPO/bpf" >&2 &&
		make -s -C "$REPO/tests/bpf" >&2 || { echo "Bail out! build failed"; exit 1; }
	exec "$REPO/scripts/vm" --smp 2 --maxcpus 4 \
		--env ACCELQ_BPF_EXPECT_POSSIBLE=4 "$@" -- "$REPO/tests/bpf/run.sh"
fi

T=$REPO/tests/bpf/bpf_test
TOP=$REPO/bpf/accelq-top
KO=${ACCELQ_KO:-$REPO/accelq.ko}
OUT=${ACCELQ_OUT:-/tmp}
PIN=/sys/fs/bpf/accelq
n=0
fails=0

ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}

notok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $*"
}

# check DESCRIPTION CMD...: one TAP line from a command's exit status
check() {
	desc=$1
	shift
	if "$@" >"$OUT/bpf-check.txt" 2>&1; then
		ok "$desc"
	else
		notok "$desc"
		sed 's/^/# /' "$OUT/bpf-check.txt" | tail -20
	fi
}

# sub NAME ARGS...: run a bpf_test subcommand, number its TAP lines
sub() {
	name=$1
	echo "# bpf_test $*"
	tmp=$OUT/bpf-$name.txt
	"$T" "$@" >"$tmp" 2>&1
	rc=$?
	bad=0
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) notok "${line#not ok - }"; bad=1 ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done <"$tmp"
	if [ $rc -ne 0 ] && [ $bad -eq 0 ]; then
		notok "bpf_test $name exited $rc"
	fi
}

loaded() { [ -d /sys/module/accelq ]; }

[ "$(id -u)" -eq 0 ] || { echo "Bail out! must run as root in the guest"; exit 1; }
[ -x "$T" ] && [ -x "$TOP" ] || { echo "Bail out! build first: make -C tests/bpf"; exit 1; }
[ -r "$KO" ] || { echo "Bail out! $KO missing: make module"; exit 1; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
loaded && rmmod accelq

# (1) loading without the module, verifier rejection reporting
sub load
# (2) BPF_PROG_TEST_RUN on each online CPU
sub testrun
# (4) possible > online CPUs, hotplug
sub cpus "${ACCELQ_BPF_EXPECT_POSSIBLE:-0}"
# (6) full maps and ring buffer
sub mapfull

# pinning: reuse across reopen, bpftool and accelq-top on the pins
sub pinned keep
check "bpftool map dump pinned $PIN/slots shows the slot of tenant 5" \
	sh -c "bpftool map dump pinned $PIN/slots | tee /dev/stderr | grep -q '\"tenant\": 5'"
check "accelq-top --once --pinned prints tenant 5" \
	sh -c "'$TOP' --once --pinned -i 100 | tee /dev/stderr | grep -Eq '^ +5 '"
check "accelq-top (auto) reads the pins when present" \
	sh -c "'$TOP' --once -i 50 | grep -q 'pinned $PIN'"
if command -v jq >/dev/null; then
	check "accelq-top --json: tenant 5 submitted 3, nothing lost" \
		sh -c "'$TOP' --once --json --pinned -i 50 | tee /dev/stderr | jq -e '(.tenants[] | select(.tenant == 5) | .submitted == 3) and .lost.usage == 0'"
else
	ok "accelq-top --json # SKIP jq not installed"
fi
check "unpin removes $PIN" sh -c "'$T' unpin && ! test -e $PIN"

# with the module
check "insmod accelq.ko" insmod "$KO"
sub load

# (5) rmmod refused while attached, allowed after detach, attach again
"$T" hold >"$OUT/bpf-hold.txt" 2>&1 &
hold=$!
i=0
while [ $i -lt 600 ] && ! grep -q '^ready' "$OUT/bpf-hold.txt" 2>/dev/null &&
	kill -0 $hold 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
if grep -q '^ready' "$OUT/bpf-hold.txt"; then
	ok "a collector attached (pid $hold, refcnt $(cat /sys/module/accelq/refcnt))"
	if rmmod accelq 2>"$OUT/bpf-rmmod.txt"; then
		notok "rmmod is refused while BPF programs are attached"
		insmod "$KO"
	else
		ok "rmmod is refused while BPF programs are attached: $(head -1 "$OUT/bpf-rmmod.txt")"
	fi
else
	notok "a collector attached: $(cat "$OUT/bpf-hold.txt")"
fi
kill -TERM $hold 2>/dev/null
wait $hold
check "collector exits cleanly on SIGTERM (detach)" test $? -eq 0
check "rmmod succeeds after detach" rmmod accelq
check "insmod again" insmod "$KO"
sub load

# (3) real workload: BPF totals against the kernel's counters
sub workload
check "accelq-top --attach --once runs on a live module" \
	sh -c "'$TOP' --attach --once -i 100 | tee /dev/stderr | grep -q TENANT"

loaded && check "rmmod at the end" rmmod accelq
echo "1..$n"
echo "# bpf: $((n - fails)) passed, $fails failed"
[ $fails -eq 0 ]
