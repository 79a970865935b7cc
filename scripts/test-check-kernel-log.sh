#!/bin/sh
# shellcheck disable=SC2015 # "check && ok || not_ok": ok never fails
# Host-side self-test of scripts/check-kernel-log: a clean log passes, each
# kind of kernel report fails, taint bits other than O/E fail.
set -u

CHECK=$(cd "$(dirname "$0")" && pwd -P)/check-kernel-log
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-kernel-log-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0

ok() { n=$((n + 1)); }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }

# A realistic clean boot + module load log.
cat >"$tmp/clean.txt" <<'EOF'
[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2
[    0.000000] Command line: console=ttyS0 panic=-1 quiet loglevel=3
[    0.000000] kasan: KernelAddressSanitizer initialized (generic)
[    0.112233] Spectre V2 : Mitigation: Retpolines
[    1.234567] 9pnet: Installing 9P2000 support
[    1.345678] overlayfs: fs on '/lower' does not support file handles, falling back to index=off,nfs_export=off.
[    3.000001] accelq: loading out-of-tree module taints kernel.
[    3.000002] accelq: module verification failed: signature and/or required key missing - tainting kernel
[    3.000100] accelq: registered /dev/accelq0 (warning threshold 80%, bug reports: none)
[    3.000200] kmemleak: Automatic memory scanning thread started
[    3.000300] Oopsie-free day: lowercase oops and callers of dump are fine
EOF
sed 's/\r*$/\r/' "$tmp/clean.txt" >"$tmp/clean-crlf.txt"

if out=$("$CHECK" "$tmp/clean.txt" "$tmp/clean-crlf.txt"); then ok; else not_ok "clean log rejected: $out"; fi
if out=$("$CHECK" --taint 0 "$tmp/clean.txt"); then ok; else not_ok "taint 0 rejected: $out"; fi
if out=$("$CHECK" --taint 12288 "$tmp/clean.txt"); then ok; else not_ok "taint O|E rejected: $out"; fi
if out=$("$CHECK" --taint 4096 </dev/null); then ok; else not_ok "taint O on stdin rejected: $out"; fi

# Each line below must be caught on its own, in the middle of a clean log.
while IFS= read -r line; do
	[ -n "$line" ] || continue
	{ head -n 5 "$tmp/clean.txt"; echo "[    4.123456] $line"; tail -n 3 "$tmp/clean.txt"; } >"$tmp/dirty.txt"
	if out=$("$CHECK" "$tmp/dirty.txt"); then
		not_ok "not caught: $line"
	elif ! printf '%s\n' "$out" | grep -qF -- "$line"; then
		not_ok "caught but not named: $line -> $out"
	else
		ok
	fi
done <<'EOF'
WARNING: CPU: 0 PID: 1 at test
------------[ cut here ]------------ WARNING: CPU: 1 PID: 77 at drivers/accelq/core.c:42 accelq_submit+0x1a/0x40 [accelq]
BUG: kernel NULL pointer dereference, address: 0000000000000008
BUG: sleeping function called from invalid context at mm/slab.h:723
BUG kmalloc-64 (Tainted: G    B      O     ): Object already free
kernel BUG at drivers/accelq/queue.c:99!
Oops: 0002 [#1] PREEMPT SMP NOPTI
Oops
BUG: KASAN: slab-use-after-free in accelq_release+0x24/0x60 [accelq]
KASAN: null-ptr-deref in range [0x0000000000000000-0x0000000000000007]
UBSAN: shift-out-of-bounds in drivers/accelq/core.c:10:5
general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP
Kernel panic - not syncing: Fatal exception
WARNING: possible circular locking dependency detected
possible circular locking dependency detected
WARNING: inconsistent lock state
inconsistent lock state
possible recursive locking detected
WARNING: suspicious RCU usage
suspicious RCU usage.
INFO: lockdep is turned off.
DEBUG_LOCKS_WARN_ON(lock->magic != lock)
refcount_t: underflow; use-after-free.
refcount_t: addition on 0; use-after-free.
list_add corruption. prev->next should be next (ffff888003c4e2a8), but was 0000000000000000.
list_del corruption, ffff888003c4e2a8->next is LIST_POISON1 (dead000000000100)
list corruption detected
list_add double add: new=ffff888003c4e2a8, prev=ffff888003c4e2a8, next=ffff888003c4e2b8.
kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
unreferenced object 0xffff888003c4e2a8 (size 64):
INFO: task accelq-test:123 blocked for more than 120 seconds.
rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
rcu: INFO: rcu_preempt self-detected stall on CPU
watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [accelq-test:99]
Call Trace:
 Call Trace:
EOF

# Taint bits other than O and E.
for t in 1 512 4608 12800 128 32768 262144 1048576; do
	if out=$("$CHECK" --taint $t "$tmp/clean.txt"); then
		not_ok "taint $t not caught"
	elif ! printf '%s\n' "$out" | grep -q "tainted=$t"; then
		not_ok "taint $t caught but not named: $out"
	else
		ok
	fi
done
out=$("$CHECK" --taint 512 "$tmp/clean.txt")
printf '%s\n' "$out" | grep -q 'W(bit 9)' && ok || not_ok "taint 512 not named W: $out"

# A dirty log passes when the line is allowed; the allow list is not global.
printf '%s\n' "[ 1.0] WARNING: known harmless boot noise" "[ 2.0] BUG: real" >"$tmp/allow.txt"
out=$("$CHECK" --allow 'known harmless' "$tmp/allow.txt")
printf '%s\n' "$out" | grep -q 'BUG: real' && ! printf '%s\n' "$out" | grep -q harmless &&
	ok || not_ok "--allow misbehaves: $out"
if ACCELQ_LOG_ALLOW='known harmless|BUG: real' "$CHECK" "$tmp/allow.txt" >/dev/null; then ok; else not_ok "ACCELQ_LOG_ALLOW ignored"; fi

# Several files: one dirty file fails the whole check; usage errors are 2.
"$CHECK" "$tmp/clean.txt" "$tmp/allow.txt" >/dev/null && not_ok "dirty second file passed" || ok
"$CHECK" "$tmp/missing.txt" >/dev/null 2>&1; [ $? -eq 2 ] && ok || not_ok "missing file is not exit 2"
"$CHECK" --taint x "$tmp/clean.txt" >/dev/null 2>&1; [ $? -eq 2 ] && ok || not_ok "bad taint is not exit 2"

if [ $fails -eq 0 ]; then
	echo "test-check-kernel-log: all $n checks passed"
	exit 0
fi
echo "test-check-kernel-log: $fails of $n checks failed"
exit 1
