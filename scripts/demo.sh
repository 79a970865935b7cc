#!/bin/bash
# make demo: runs INSIDE the guest (scripts/vm -- scripts/demo.sh).
# Loads accelq with two simulated engines, creates tenants over netlink and
# runs workloads as those tenants, then shows what the kernel accounted.
set -eu

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
NL=$REPO/tools/accelq-nl
LOAD=$REPO/tools/accelq-load

if [ "${ACCELQ_IN_VM:-}" != 1 ]; then
	echo "demo.sh: runs inside the guest: make demo" >&2
	exit 2
fi

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "load accelq.ko with 2 simulated engines"
insmod "$REPO/accelq.ko" sim_engines=2
dmesg | grep 'accelq:' | tail -1

step "tenants: inference (uid 1001, weight 400, latency+batch), training (uid 1002, cap 25%), best-effort (uid 1003)"
"$NL" tenant add inference --uid 1001 --weight 400 --classes latency,batch
"$NL" tenant add training --uid 1002 --weight 100 --cap 25000/100000
"$NL" tenant add best-effort --uid 1003 --weight 50
"$NL" tenant list

step "10 s of work on engine 0: training and best-effort saturate it, inference sends latency jobs"
as() { local uid=$1; shift; setpriv --reuid "$uid" --regid "$uid" --clear-groups "$@"; }
as 1002 "$LOAD" --engine 0 --cost-us 20000 --inflight 4 --seconds 10 --preemptible --quiet &
as 1003 "$LOAD" --engine 0 --cost-us 20000 --inflight 4 --seconds 10 --preemptible --quiet &
sleep 1
as 1001 "$LOAD" --engine 0 --class latency --cost-us 500 --inflight 1 --seconds 8 --quiet &
wait

step "per-tenant accounting from the kernel (netlink)"
"$NL" tenant list

step "engines"
"$NL" engine list

step "job ledger (debugfs)"
cat /sys/kernel/debug/accelq/stats

step "unload"
rmmod accelq
echo "demo done"
