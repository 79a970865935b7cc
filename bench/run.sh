#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run accelq's benchmark suite. Runs INSIDE the QEMU guest only:
#
#   make module && make -C bench
#   scripts/vm --timeout 1500 -- bench/run.sh          # full, ~10 minutes
#   scripts/vm -- bench/run.sh --smoke                 # seconds per benchmark
#   scripts/vm -- bench/run.sh --only P1,P5            # a subset
#
# Options: --smoke (tiny runs: checks that every benchmark builds and runs;
# its numbers mean nothing), --only LIST (comma-separated ids), and
# optionally the path of accelq.ko (default ./accelq.ko).
#
# Every benchmark gets a freshly loaded module (default parameters) and is
# unloaded after it. Prints the environment, one TAP line per benchmark
# ("ok N - bench P1" or, with --smoke, "ok N - bench P1 smoke"; a
# benchmark whose subject does not exist yet is "ok N ... # SKIP not yet"),
# then the results table. Writes to $ACCELQ_OUT:
#   bench.json  bench.md  bench-p3.png  bench-p4.png  bench-p5.png
#   bench-p6.png  and bench/ (per-benchmark JSON, logs, data files)
# (--smoke: bench-smoke.json, bench-smoke.md, bench-smoke/ and no plots
# unless BENCH_PLOTS=1).
# Exit status: 0 if every benchmark ran (missing a goal is a result, not a
# failure), 1 otherwise.
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
B=$REPO/bench
KO=$REPO/accelq.ko
SMOKE=0
ONLY=

while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--only) ONLY=$2; shift ;;
	--only=*) ONLY=${1#--only=} ;;
	-h | --help) sed -n '4,26s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) KO=$1 ;;
	esac
	shift
done

if [ "${ACCELQ_IN_VM:-}" != 1 ]; then
	echo "run.sh: refusing to load modules outside the QEMU guest;" >&2
	echo "run.sh: use: scripts/vm --timeout 1500 -- bench/run.sh" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "run.sh: must run as root (in the guest)" >&2
	exit 2
fi

OUT=${ACCELQ_OUT:-$(mktemp -d /tmp/accelq-bench.XXXXXX)}
if [ $SMOKE = 1 ]; then
	NAME=bench-smoke
	SUFFIX=" smoke"
	TIMEOUT=120
else
	NAME=bench
	SUFFIX=
	TIMEOUT=400
fi
RES=$OUT/$NAME
rm -rf "$RES"
mkdir -p "$RES" || exit 1

# id program
BENCHES="P1 p1_batch
P2 p2_rtt
P3 p3_share
P4 p4_cap
P5 p5_latency
P6 p6_scale
P7 p7_bpf
P8 p8_daemon"

selected() {
	[ -z "$ONLY" ] && return 0
	case ",$ONLY," in *",$1,"*) return 0 ;; esac
	return 1
}

n_sel=0
while read -r id prog; do selected "$id" && n_sel=$((n_sel + 1)); done <<<"$BENCHES"

# --------------------------------------------------------- environment --
{
	echo "# date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "# kernel:  $(uname -r) ($(uname -v))"
	echo "# cpu:     $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
	hyp=$(dmesg | grep -i hypervisor | head -n1)
	if printf '%s' "$hyp" | grep -qi kvm; then
		accel=KVM
	elif grep -qw hypervisor /proc/cpuinfo; then
		accel=TCG
	else
		accel="none (bare metal)"
	fi
	echo "# accel:   $accel (hypervisor line of dmesg: ${hyp:-none})"
	echo "# cpus:    $(nproc)"
	# the guest cannot see the host's load: `make bench` may pass it in
	[ -n "${BENCH_HOST_LOADAVG:-}" ] && echo "# host load average at start: $BENCH_HOST_LOADAVG"
	echo "# mode:    $([ $SMOKE = 1 ] && echo smoke || echo full)"
} | tee "$RES/env.txt"

mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null

fail=0
if [ ! -r "$KO" ]; then
	echo "run.sh: no module at $KO (make module)" >&2
	fail=1
fi
for p in p1_batch p2_rtt p3_share p4_cap p5_latency p6_scale p7_bpf p8_daemon; do
	if [ ! -x "$B/$p" ]; then
		echo "run.sh: $B/$p not built (make -C bench)" >&2
		fail=1
	fi
done
[ $fail = 0 ] || { echo "1..0 # SKIP not built"; exit 1; }

if [ -d /sys/module/accelq ]; then
	echo "# accelq already loaded: unloading first"
	rmmod accelq || exit 1
fi

wait_dev() {
	local _
	for _ in $(seq 1 100); do
		if [ "$1" = present ]; then [ -c /dev/accelq ] && return 0; else [ ! -e /dev/accelq ] && return 0; fi
		sleep 0.05
	done
	return 1
}

echo "1..$((n_sel + 1))"
n=0
t_start=$(date +%s)
while read -r id prog; do
	selected "$id" || continue
	n=$((n + 1))
	log=$RES/$id.log
	status=ok
	why=
	t0=$(date +%s)
	if ! insmod "$KO" </dev/null >"$log" 2>&1 || ! wait_dev present; then
		status="not ok"
		why="insmod failed"
	else
		echo "=== $id: $prog" >>"$log"
		args=(-o "$RES/$id.json")
		[ $SMOKE = 1 ] && args+=(--smoke)
		timeout -k 10 "$TIMEOUT" "$B/$prog" "${args[@]}" </dev/null >>"$log" 2>&1
		rc=$?
		case $rc in
		0) ;;
		77) why="# SKIP not yet" ;;
		124 | 137) status="not ok"; why="timed out after ${TIMEOUT}s" ;;
		*) status="not ok"; why="exit status $rc" ;;
		esac
		# a killed benchmark's children may hold the device a moment
		for _ in 1 2 3 4 5; do
			rmmod accelq </dev/null >>"$log" 2>&1 && break
			sleep 1
		done
		if [ -d /sys/module/accelq ] || ! wait_dev absent; then
			status="not ok"
			why="${why:+$why; }rmmod failed"
		fi
	fi
	sed 's/^/# /; s/^# # /# /' "$log"
	echo "# $id took $(($(date +%s) - t0)) s"
	echo "$status $n - bench $id$SUFFIX${why:+ $why}"
	[ "$status" = ok ] || fail=1
done <<<"$BENCHES"
echo "# benchmarks took $(($(date +%s) - t_start)) s"

# ---------------------------------------------------------------- report --
n=$((n + 1))
plot_args=(--plots "$OUT/$NAME")
[ $SMOKE = 1 ] && [ "${BENCH_PLOTS:-0}" != 1 ] && plot_args=()
if python3 "$B/report.py" --results "$RES" --env "$RES/env.txt" \
	--json "$OUT/$NAME.json" --md "$OUT/$NAME.md" \
	"${plot_args[@]}" >"$RES/report.log" 2>&1; then
	echo "ok $n - bench report$SUFFIX"
else
	sed 's/^/# /' "$RES/report.log"
	echo "not ok $n - bench report$SUFFIX"
	fail=1
fi
[ -f "$OUT/$NAME.md" ] && cat "$OUT/$NAME.md"
exit $fail
