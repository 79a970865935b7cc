#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Host-side libFuzzer runs of the daemon's configuration parser and
# Prometheus rendering (no guest, no module):
#
#   tests/fuzz/run-libfuzzer.sh [SECONDS]      (default 60 per target)
#
# Builds tests/fuzz/libfuzzer/fuzz_{config,metrics} (clang with
# libclang-rt-14-dev), runs each for SECONDS with the seed corpus of
# tests/fuzz/corpus/<target>/ (read-only; new inputs go to
# out/fuzz/corpus-<target>/), and prints TAP. A crash leaves its input in
# out/fuzz/ (crash-*, leak-*, timeout-*); replay it with
#   tests/fuzz/libfuzzer/fuzz_config out/fuzz/crash-...
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
F=$REPO/tests/fuzz
SECS=${1:-${LIBFUZZER_TIME:-60}}
OUT=${ACCELQ_FUZZ_OUT:-$REPO/out/fuzz}
mkdir -p "$OUT"

echo "TAP version 13"
if [ ! -f "$REPO/daemon/config.c" ] || [ ! -f "$REPO/daemon/metrics.c" ]; then
	echo "1..0 # SKIP daemon/config.c or daemon/metrics.c not there yet"
	exit 0
fi
if ! make -s -C "$F" libfuzzer >"$OUT/build.log" 2>&1; then
	sed 's/^/# /' "$OUT/build.log" | tail -n 20
	echo "1..1"
	echo "not ok 1 - build the libFuzzer targets (clang, libclang-rt-14-dev)"
	exit 1
fi

n=0 failed=0
for t in config metrics; do
	n=$((n + 1))
	corpus=$OUT/corpus-$t
	mkdir -p "$corpus"
	dict=
	[ -f "$F/corpus/$t.dict" ] && dict=-dict=$F/corpus/$t.dict
	log=$OUT/fuzz_$t.log
	(cd "$OUT" && "$F/libfuzzer/fuzz_$t" -max_total_time="$SECS" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 $dict \
		"$corpus" "$F/corpus/$t") >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
	if [ $rc = 0 ]; then
		echo "ok $n - fuzz_$t: ${runs:-?} runs in ${SECS}s, ${cov:-cov ?}, corpus $(ls "$corpus" | wc -l) inputs"
	else
		failed=$((failed + 1))
		grep -E 'ERROR|SUMMARY|invariant|fuzz_metrics:|Test unit written' "$log" | head -n 10 | sed 's/^/# /'
		echo "not ok $n - fuzz_$t: crashed (exit $rc, log $log)"
	fi
done
echo "1..$n"
[ "$failed" = 0 ]
