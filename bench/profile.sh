#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Where does P1's time go in the kernel? Runs INSIDE the QEMU guest:
#
#   scripts/vm -- bench/profile.sh [SECONDS]
#
# Loads accelq.ko, runs only the accelq side of P1 (batch-64 zero-cost
# jobs) for SECONDS (default 4) under `perf record -e cpu-clock -g` and
# prints the flat (self) and the inclusive (children) profiles. Writes
# $ACCELQ_OUT/bench-profile.txt.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
SECS=${1:-4}
[ "${ACCELQ_IN_VM:-}" = 1 ] || { echo "profile.sh: run it in the guest: scripts/vm -- bench/profile.sh" >&2; exit 2; }
OUT=${ACCELQ_OUT:-/tmp}
insmod "$REPO/accelq.ko" || exit 1
cd /tmp || exit 1
P1_ACCELQ_ONLY=$SECS perf record -q -e cpu-clock -F 4000 -g -o /tmp/p1.perf \
	-- "$REPO/bench/p1_batch" 2>&1 | grep -v '^# env'
{
	echo "# cpu-clock samples of the P1 accelq loop (batch 64, cost 0), $SECS s"
	echo "## self"
	perf report -i /tmp/p1.perf --no-children --sort sym --stdio -g none 2>/dev/null |
		grep -E '^ +[0-9]' | head -40
	echo "## children (inclusive)"
	perf report -i /tmp/p1.perf --children --sort sym --stdio -g none 2>/dev/null |
		grep -E '^ +[0-9]' | head -40
} | tee "$OUT/bench-profile.txt"
rmmod accelq
