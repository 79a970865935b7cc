#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (or reuse) the accelq debug kernel: Debian's linux-source-6.1 with
# defconfig + kvm_guest.config + the sanitizers, lockdep, kmemleak, fault
# injection, BPF/BTF and the guest drivers built in (see docs/check-debug.md).
#
#   scripts/debug-kernel.sh              build if needed; print the tree dir
#   scripts/debug-kernel.sh --print-dir  print the cache dir, build nothing
#   scripts/debug-kernel.sh --status     "built", "partial" or "absent"
#   scripts/debug-kernel.sh --config     print the config fragment
#   scripts/debug-kernel.sh --deps       print the build dependencies
#
# Cache ($ACCELQ_DEBUG_CACHE, default ~/.cache/accelq-debug-kernel):
#   <root>/<srcversion>-<confighash>/linux/            whole build tree (M= builds)
#   <root>/<srcversion>-<confighash>/linux/arch/x86/boot/bzImage
#   <root>/<srcversion>-<confighash>/build.log
# keyed by the linux-source-6.1 package version and a hash of the fragment
# (--config; plus this script's scheme number and the compiler version), so a
# config change builds a new tree and an unchanged one is reused.  Nothing
# is written into the checkout.
#
# Environment: ACCELQ_DEBUG_CACHE, ACCELQ_DEBUG_JOBS (default nproc),
#   ACCELQ_DEBUG_NICE (default 19), ACCELQ_KSRC_TARBALL
#   (default /usr/src/linux-source-6.1.tar.xz).
set -euo pipefail

SCHEME=1
PKG=linux-source-6.1
TARBALL=${ACCELQ_KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
CACHE_ROOT=${ACCELQ_DEBUG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/accelq-debug-kernel}
JOBS=${ACCELQ_DEBUG_JOBS:-$(nproc)}
NICE=${ACCELQ_DEBUG_NICE:-19}
DEPS="flex bison bc libelf-dev libssl-dev dwarves xz-utils make gcc $PKG"

say() { echo "debug-kernel: $*" >&2; }
die() { say "error: $*"; exit 1; }

# The config fragment, merged over defconfig + kvm_guest.config.  Every
# line is checked after olddefconfig; a line that did not stick fails the
# build (so a renamed/unsatisfiable option is noticed, not silently lost).
fragment() {
	cat <<'EOF'
CONFIG_LOCALVERSION="-accelq-debug"
CONFIG_LOCALVERSION_AUTO=n
CONFIG_WERROR=n
CONFIG_IKCONFIG=y
CONFIG_IKCONFIG_PROC=y
CONFIG_MODULES=y
CONFIG_MODULE_UNLOAD=y
CONFIG_MODULE_FORCE_UNLOAD=n
CONFIG_MODULE_SIG=n
# guest: host root over 9p + overlay, virtio, serial, devtmpfs (built in)
CONFIG_VIRTIO=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_PCI_LEGACY=y
CONFIG_NET_9P=y
CONFIG_NET_9P_VIRTIO=y
CONFIG_9P_FS=y
CONFIG_9P_FS_POSIX_ACL=y
CONFIG_OVERLAY_FS=y
CONFIG_DEVTMPFS=y
CONFIG_DEVTMPFS_MOUNT=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_TMPFS=y
CONFIG_TMPFS_POSIX_ACL=y
CONFIG_TMPFS_XATTR=y
CONFIG_AUTOFS_FS=y
CONFIG_FHANDLE=y
CONFIG_MAGIC_SYSRQ=y
# cgroup v2, namespaces, seccomp (tenant attribution; systemd sandboxing)
CONFIG_CGROUPS=y
CONFIG_MEMCG=y
CONFIG_CGROUP_SCHED=y
CONFIG_CGROUP_PIDS=y
CONFIG_CGROUP_FREEZER=y
CONFIG_CGROUP_DEVICE=y
CONFIG_CGROUP_CPUACCT=y
CONFIG_CPUSETS=y
CONFIG_BLK_CGROUP=y
CONFIG_CGROUP_BPF=y
CONFIG_NAMESPACES=y
CONFIG_USER_NS=y
CONFIG_PID_NS=y
CONFIG_NET_NS=y
CONFIG_UTS_NS=y
CONFIG_IPC_NS=y
CONFIG_SECCOMP=y
CONFIG_SECCOMP_FILTER=y
# BPF collectors (bpf/): tracepoints incl. module BTF, JIT, cgroup/LSM hooks
CONFIG_BPF=y
CONFIG_BPF_SYSCALL=y
CONFIG_BPF_JIT=y
CONFIG_BPF_EVENTS=y
CONFIG_BPF_LSM=y
CONFIG_LSM="landlock,lockdown,yama,integrity,bpf"
CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT=y
CONFIG_DEBUG_INFO_REDUCED=n
CONFIG_DEBUG_INFO_SPLIT=n
CONFIG_DEBUG_INFO_BTF=y
CONFIG_DEBUG_INFO_BTF_MODULES=y
CONFIG_KPROBES=y
CONFIG_KPROBE_EVENTS=y
CONFIG_UPROBE_EVENTS=y
# tracing
CONFIG_FTRACE=y
CONFIG_FUNCTION_TRACER=y
CONFIG_DYNAMIC_FTRACE=y
CONFIG_FTRACE_SYSCALLS=y
CONFIG_DEBUG_FS=y
CONFIG_DEBUG_FS_ALLOW_ALL=y
# sanitizers and checkers
CONFIG_KASAN=y
CONFIG_KASAN_GENERIC=y
CONFIG_KASAN_INLINE=y
CONFIG_UBSAN=y
CONFIG_UBSAN_BOUNDS=y
CONFIG_UBSAN_SHIFT=y
CONFIG_UBSAN_DIV_ZERO=y
CONFIG_UBSAN_BOOL=y
CONFIG_UBSAN_ENUM=y
CONFIG_UBSAN_ALIGNMENT=n
CONFIG_PROVE_LOCKING=y
CONFIG_DEBUG_LOCKDEP=n
CONFIG_LOCKDEP_BITS=16
CONFIG_LOCKDEP_CHAINS_BITS=17
CONFIG_DEBUG_ATOMIC_SLEEP=y
CONFIG_DEBUG_LIST=y
CONFIG_DEBUG_OBJECTS=y
CONFIG_DEBUG_OBJECTS_FREE=y
CONFIG_DEBUG_OBJECTS_TIMERS=y
CONFIG_DEBUG_OBJECTS_WORK=y
CONFIG_DEBUG_OBJECTS_RCU_HEAD=y
CONFIG_DEBUG_KMEMLEAK=y
CONFIG_DEBUG_KMEMLEAK_MEM_POOL_SIZE=65536
CONFIG_DEBUG_KMEMLEAK_DEFAULT_OFF=n
CONFIG_DEBUG_KMEMLEAK_AUTO_SCAN=n
CONFIG_DETECT_HUNG_TASK=y
CONFIG_SOFTLOCKUP_DETECTOR=y
CONFIG_KUNIT=y
# fault injection
CONFIG_FAULT_INJECTION=y
CONFIG_FAILSLAB=y
CONFIG_FAIL_PAGE_ALLOC=y
CONFIG_FAULT_INJECTION_USERCOPY=y
CONFIG_FUNCTION_ERROR_INJECTION=y
CONFIG_FAIL_FUNCTION=y
CONFIG_FAULT_INJECTION_DEBUG_FS=y
EOF
}

src_version() {
	dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null ||
		die "$PKG is not installed (apt-get install $PKG)"
}

key() {
	local ver h
	ver=$(src_version)
	h=$( { echo "scheme $SCHEME"; fragment; gcc --version | head -n 1; } | sha256sum | cut -c1-12)
	echo "$ver-$h"
}

DIR=$CACHE_ROOT/$(key)
TREE=$DIR/linux
IMAGE=$TREE/arch/x86/boot/bzImage

case ${1:-} in
--print-dir) echo "$DIR"; exit 0 ;;
--config) fragment; exit 0 ;;
--deps) echo "$DEPS"; exit 0 ;;
--status)
	if [ -f "$DIR/.built" ]; then echo built
	elif [ -d "$DIR" ]; then echo partial
	else echo absent; fi
	exit 0 ;;
-h | --help) sed -n '3,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
'') ;;
*) die "unknown option $1 (try --help)" ;;
esac

if [ -f "$DIR/.built" ] && [ -f "$IMAGE" ]; then
	say "cached: $TREE"
	echo "$TREE"
	exit 0
fi

missing=
for p in $DEPS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] || die "missing build dependencies:$missing (apt-get install$missing)"
[ -r "$TARBALL" ] || die "$TARBALL not readable"

mkdir -p "$DIR"
exec 9>"$DIR/.lock"
if ! flock -n 9; then
	say "another build of $DIR is running; waiting for it"
	flock 9
	if [ -f "$DIR/.built" ]; then echo "$TREE"; exit 0; fi
fi

LOG=$DIR/build.log
t0=$(date +%s)
stamp() { local s=$(( $(date +%s) - t0 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
run() { nice -n "$NICE" "$@" >>"$LOG" 2>&1 || { tail -n 40 "$LOG" >&2; die "failed: $* (log: $LOG)"; }; }

say "source $PKG $(src_version), cache $DIR, $JOBS jobs, nice $NICE, log $LOG"
: >>"$LOG"

if [ ! -f "$DIR/.extracted" ]; then
	say "[$(stamp)] extracting $TARBALL"
	rm -rf "$TREE" "$DIR/linux-source-6.1"
	run tar -C "$DIR" -xf "$TARBALL"
	mv "$DIR/linux-source-6.1" "$TREE"
	touch "$DIR/.extracted"
fi

if [ ! -f "$DIR/.configured" ]; then
	say "[$(stamp)] configuring (defconfig + kvm_guest.config + fragment)"
	fragment | grep -v '^#' >"$DIR/fragment.config"
	# merge_config.sh wants "# CONFIG_X is not set" for =n
	sed -i 's/^\(CONFIG_[A-Za-z0-9_]*\)=n$/# \1 is not set/' "$DIR/fragment.config"
	run make -C "$TREE" defconfig
	run make -C "$TREE" kvm_guest.config
	(cd "$TREE" && run ./scripts/kconfig/merge_config.sh -m .config "$DIR/fragment.config")
	run make -C "$TREE" olddefconfig
	# everything built in: the guest initramfs loads no modules for it
	if grep -q '=m$' "$TREE/.config"; then
		say "built-in: $(grep -c '=m$' "$TREE/.config") =m options turned into =y"
		sed -i 's/=m$/=y/' "$TREE/.config"
		run make -C "$TREE" olddefconfig
	fi
	bad=0
	while IFS= read -r line; do
		case $line in
		'' | '#'*) continue ;;
		*=n)
			opt=${line%=n}
			if grep -q "^$opt=" "$TREE/.config"; then
				say "config: $opt should be off but is $(grep "^$opt=" "$TREE/.config")"; bad=1
			fi ;;
		*)
			if ! grep -qxF "$line" "$TREE/.config"; then
				say "config: wanted $line, got: $(grep -E "^(# )?${line%%=*}[= ]" "$TREE/.config" || echo '(absent)')"; bad=1
			fi ;;
		esac
	done < <(fragment)
	[ "$bad" = 0 ] || die "config fragment did not apply (see above)"
	touch "$DIR/.configured"
fi

if [ ! -f "$DIR/.built" ]; then
	say "[$(stamp)] building bzImage + modules_prepare (-j$JOBS; ~30 min from scratch on 2 cores)"
	# progress: one line a minute with the number of objects so far
	(
		while sleep 60; do
			n=$(grep -c '^  CC ' "$LOG" 2>/dev/null || echo 0)
			say "[$(stamp)] ... $n objects compiled; last: $(grep -E '^  (CC|LD|BTF|AR|GEN)' "$LOG" | tail -n 1 | sed 's/^ *//')"
		done
	) &
	prog=$!
	trap 'kill $prog 2>/dev/null' EXIT
	run make -C "$TREE" -j"$JOBS" bzImage modules_prepare
	# "modules" writes Module.symvers (vmlinux exports) for M= builds
	say "[$(stamp)] make modules (Module.symvers)"
	run make -C "$TREE" -j"$JOBS" modules
	kill $prog 2>/dev/null; wait $prog 2>/dev/null || true
	trap - EXIT
	[ -f "$IMAGE" ] || die "no $IMAGE after the build"
	[ -f "$TREE/vmlinux" ] && [ -f "$TREE/Module.symvers" ] || die "vmlinux/Module.symvers missing"
	make -s -C "$TREE" kernelrelease >"$DIR/kernelrelease"
	touch "$DIR/.built"
	say "[$(stamp)] built $(cat "$DIR/kernelrelease"): $IMAGE"
fi
echo "$TREE"
