#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# accelq fuzzing in the QEMU guest (issue #7). Runs INSIDE the guest only:
#
#   make module && make -C tests/fuzz
#   scripts/vm --timeout 1200 -- tests/fuzz/run.sh [path/to/accelq.ko]
#
# 1. insmod; ioctl_fuzz as root with netlink tenant churn (ledger checked)
#    and as uid 65534
# 2. trinity against /dev/accelq (ioctl, read, poll, mmap, dup, close) as
#    uid 65534, then as root (--dangerous). Trinity knows no accelq ioctl
#    numbers (random commands, mostly -ENOTTY) and under TCG its children
#    restart after a few calls, so it makes few calls: it is a smoke test of
#    the generic paths; ioctl_fuzz is the structure-aware fuzzer.
# 3. trinity on netlink sockets (-P NETLINK: sendmsg/sendto/recvmsg/
#    setsockopt/...) as root (CAP_NET_ADMIN passes the family's
#    GENL_ADMIN_PERM) and as uid 65534
# 4. the device still works and the ledger balances (short ioctl_fuzz),
#    rmmod succeeds
# The harness (scripts/vm) fails the run on any oops/WARN/KASAN/lockdep
# report or kmemleak leak in the kernel log.
#
# Environment: FUZZ_SEED (default: time), FUZZ_DURATION (ioctl_fuzz
# seconds, default 60), TRINITY_DURATION (seconds per trinity run, default
# 60), TRINITY_CHILDREN (default 4), FUZZ_NO_TRINITY=1 skips trinity.
# TAP goes to stdout and $ACCELQ_OUT/fuzz.tap; trinity logs to
# $ACCELQ_OUT/trinity-*.log.
set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
F=$REPO/tests/fuzz
KO=${1:-$REPO/accelq.ko}
SEED=${FUZZ_SEED:-$(date +%s)}
DUR=${FUZZ_DURATION:-60}
TDUR=${TRINITY_DURATION:-60}
TCHILD=${TRINITY_CHILDREN:-4}
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"

if [ "${ACCELQ_IN_VM:-}" != 1 ]; then
	echo "fuzz/run.sh: refusing to load modules outside the QEMU guest; use scripts/vm" >&2
	exit 2
fi
OUT=${ACCELQ_OUT:-$(mktemp -d /tmp/accelq-fuzz.XXXXXX)}
TAP=$OUT/fuzz.tap
: >"$TAP"
n=0 failed=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2" | tee -a "$TAP"
	else
		echo "not ok $n - $2" | tee -a "$TAP"
		failed=$((failed + 1))
	fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2" | tee -a "$TAP"; }
note() { echo "# $*" | tee -a "$TAP"; }

mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
chmod 1777 /tmp

[ -x "$F/ioctl_fuzz" ] || { echo "Bail out! $F/ioctl_fuzz not built (make -C tests/fuzz)"; exit 1; }
[ -d /sys/module/accelq ] && rmmod accelq
out=$(insmod "$KO" 2>&1)
result $? "insmod $KO${out:+: $out}"
[ -d /sys/module/accelq ] || { echo "1..$n"; exit 1; }
for i in $(seq 1 40); do [ -c /dev/accelq ] && break; sleep 0.05; done

# ioctl_fuzz prints its own TAP: keep it as a sub-log, one result here.
fuzz() {
	local name=$1 rc
	shift
	echo "=== $name: $*"
	timeout -k 10 $((DUR * 3 + 120)) "$@" >"$OUT/$name.log" 2>&1
	rc=$?
	sed 's/^/    /' "$OUT/$name.log"
	grep -E '^(ok|not ok) ' "$OUT/$name.log" | sed "s/^/# $name: /" >>"$TAP"
	result $rc "$name (exit $rc, seed $SEED)"
}

fuzz ioctl_fuzz-root "$F/ioctl_fuzz" --seed "$SEED" --duration "$DUR" --hang-rate 5000 --netlink
fuzz ioctl_fuzz-nobody $NOBODY "$F/ioctl_fuzz" --seed "$((SEED + 1))" \
	--duration "$((DUR / 2))" --no-ledger

# trinity NAME USER ARGS...: bounded run; ok unless it reports a taint or a
# kernel problem (the harness checks the kernel log itself).
trinity_run() {
	local name=$1 who=$2 log rc pg
	shift 2
	log=$OUT/trinity-$name.log
	if ! command -v trinity >/dev/null; then
		skip "trinity $name" "trinity not installed (apt-get install trinity)"
		return
	fi
	echo "=== trinity $name ($who, ${TDUR}s): trinity $*"
	# own session: on timeout the whole trinity process group goes
	(
		cd /tmp || exit 1
		if [ "$who" = nobody ]; then
			exec setsid $NOBODY trinity -q -l off --stats -s "$SEED" -C "$TCHILD" "$@"
		else
			exec setsid trinity --dangerous -q -l off --stats -s "$SEED" -C "$TCHILD" "$@"
		fi
	) >"$log" 2>&1 &
	pg=$!
	sleep "$TDUR"
	kill -INT -- -"$pg" 2>/dev/null
	for _ in $(seq 1 30); do kill -0 "$pg" 2>/dev/null || break; sleep 1; done
	kill -KILL -- -"$pg" 2>/dev/null
	wait "$pg" 2>/dev/null
	rc=$?
	grep -E '^\[main\] Ran [0-9]+ syscalls' "$log" | sed "s/^/# trinity $name: /" | tee -a "$TAP"
	grep -A2 -E '^(ioctl|read|sendmsg|sendto):' "$log" | head -n 30 | sed "s/^/#   /"
	if grep -qiE "kernel became tainted" "$log"; then
		grep -iE "tainted" "$log" | head -n 5 | sed 's/^/#   /'
		result 1 "trinity $name: no kernel taint reported (exit $rc)"
	elif ! grep -qE '^\[main\] Ran [0-9]+ syscalls' "$log"; then
		tail -n 5 "$log" | sed 's/^/#   /'
		result 1 "trinity $name ran (no syscall count in its log, exit $rc)"
	else
		result 0 "trinity $name: no kernel taint reported"
	fi
}

if [ "${FUZZ_NO_TRINITY:-0}" = 1 ]; then
	skip "trinity" "FUZZ_NO_TRINITY=1"
else
	# Only the "pseudo" provider opens the -V victim (/dev/accelq); only
	# "sockets" makes the -P NETLINK sockets.
	OTHERS=pipes,perf,epoll,eventfd,timerfd,testfile,memfd,drm,inotify,bpf,fanotify,userfaultfd
	DEVFDS="--disable-fds=sockets,$OTHERS"
	NLFDS="--disable-fds=pseudo,$OTHERS"
	# read() blocks forever on an idle client: trinity's watchdog copes,
	# but it costs throughput, so ioctl gets most of the calls.
	trinity_run dev-nobody nobody -V /dev/accelq "$DEVFDS" \
		-c ioctl -c read -c poll -c mmap -c dup -c close
	trinity_run dev-root root -V /dev/accelq "$DEVFDS" \
		-c ioctl -c read -c poll -c mmap -c dup -c close
	trinity_run netlink-root root -P NETLINK "$NLFDS" \
		-c socket -c sendmsg -c sendto -c recvmsg -c recvfrom -c setsockopt -c getsockopt -c bind
	trinity_run netlink-nobody nobody -P NETLINK "$NLFDS" \
		-c socket -c sendmsg -c sendto -c recvmsg -c setsockopt -c bind
fi

# leftovers of trinity (blocked children) would keep the module busy
sleep 1
users=$(grep -l accelq /proc/[0-9]*/maps 2>/dev/null | wc -l)

fuzz ioctl_fuzz-after "$F/ioctl_fuzz" --seed "$((SEED + 2))" --duration 5 --threads 2
out=$(rmmod accelq 2>&1)
rc=$?
[ $rc = 0 ] || note "rmmod: $out (processes mapping accelq: $users)"
result $rc "rmmod accelq after fuzzing"

echo "1..$n" | tee -a "$TAP"
echo "fuzz: $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
