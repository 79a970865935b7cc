#!/bin/sh
# accelq QEMU guest init (see docs/harness.md).
#
# Stage 1 ("/init" in the initramfs, busybox sh, PID 1): load the virtio/9p/
#   overlay modules, mount the host root read-only over 9p with a tmpfs
#   overlay on top, mount the results share, switch_root into the overlay.
# Stage 2 ("guest-init.sh stage2", host /bin/sh from the overlay, PID 1):
#   mount the pseudo filesystems, run the command (or a shell), save the exit
#   status, dmesg and the taint mask to the results share, power off.
# "guest-init.sh systemd-run" is stage 2's job when systemd is PID 1.
#
# The host passes the run's settings in <out>/.harness/config (shell) and the
# command in <out>/.harness/cmd; the kernel command line only carries
# accelq.mode=probe for the KVM probe boot.

OUTMNT=/accelq-out
HARNESS=$OUTMNT/.harness
GUEST_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Harness messages go to the host's stderr (ttyS1) and the kernel console.
say() {
	[ -c /dev/ttyS1 ] && echo "vm-guest: $*" >/dev/ttyS1 2>/dev/null
	echo "vm-guest: $*" >/dev/console 2>/dev/null
}

halt_now() {
	sync
	if [ -x /bin/busybox ]; then /bin/busybox poweroff -f; fi
	poweroff -f 2>/dev/null
	echo o >/proc/sysrq-trigger
	sleep 5
	exit 1 # PID 1 exiting panics; panic=-1 + -no-reboot ends qemu
}

# ---------------------------------------------------------------- stage 1 --
stage1() {
	export PATH=/bin
	/bin/busybox --install -s /bin
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	exec </dev/console >/dev/console 2>&1

	case " $(cat /proc/cmdline) " in
	*" accelq.mode=probe "*)
		echo "ACCELQ-PROBE-OK"
		poweroff -f
		;;
	esac

	fail() {
		say "stage 1 failed: $*"
		halt_now
	}

	while read -r ko; do
		[ -n "$ko" ] || continue
		out=$(insmod "/modules/$ko" 2>&1) || case $out in
		*"File exists"*) ;;
		*) fail "insmod $ko: $out" ;;
		esac
	done </modules/load.list

	opts=trans=virtio,version=9p2000.L,msize=512000
	hint=
	[ -s /modules/load.list ] || hint=" (no modules in the initramfs: does the kernel have virtio_pci, 9p and overlay built in? else pass --modules)"
	mount -t 9p -o "$opts,ro,cache=loose" hostroot /lower ||
		fail "cannot mount the host root (9p tag hostroot)$hint"
	mount -t 9p -o "$opts" accelq_out /out ||
		fail "cannot mount the results share (9p tag accelq_out)"
	[ -r /out/.harness/config ] || fail "no .harness/config in the results share"
	# shellcheck disable=SC1091
	. /out/.harness/config

	mount -t tmpfs -o mode=0755 tmpfs /rw
	mkdir -p /rw/upper /rw/work
	mount -t overlay overlay \
		-o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot ||
		fail "cannot mount the overlay root"
	mkdir -p /newroot$OUTMNT
	mount --move /out /newroot$OUTMNT

	# The guest's /tmp is a fresh tmpfs; a repo or cwd below the host's /tmp
	# stays visible (read-only) by a bind mount from the host root.
	mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /newroot/tmp
	for p in "$ACCELQ_REPO" "${ACCELQ_CWD:-}" "${ACCELQ_MODDIR:-}"; do
		case $p in
		/tmp/*)
			[ -d "/newroot$p" ] && continue
			mkdir -p "/newroot$p" && mount --bind "/lower$p" "/newroot$p"
			;;
		esac
	done

	# Make the guest kernel's modules visible where modprobe looks.
	kver=$(uname -r)
	if [ -n "${ACCELQ_MODDIR:-}" ] && [ -d "/lower$ACCELQ_MODDIR" ]; then
		mkdir -p "/newroot/lib/modules/$kver"
		mount --bind "/lower$ACCELQ_MODDIR" "/newroot/lib/modules/$kver"
	fi

	if [ "$ACCELQ_MODE" = systemd ]; then
		setup_systemd /newroot
	fi

	for m in dev proc sys; do
		mount --move /$m /newroot/$m
	done
	if [ "$ACCELQ_MODE" = systemd ]; then
		exec switch_root /newroot /lib/systemd/systemd
	fi
	exec switch_root /newroot /bin/sh "$ACCELQ_REPO/scripts/guest-init.sh" stage2
}

# Units for --init systemd, written into the overlay (never to the host).
setup_systemd() {
	r=$1
	etc=$r/etc/systemd/system
	mkdir -p "$etc"
	# The host's fstab describes the host, not this guest.
	: >"$r/etc/fstab"
	for u in serial-getty@ttyS0.service serial-getty@ttyS1.service \
		serial-getty@ttyS2.service getty@tty1.service \
		systemd-remount-fs.service systemd-firstboot.service; do
		ln -sfn /dev/null "$etc/$u"
	done
	err="tty"
	[ -n "${ACCELQ_ERRPORT:-}" ] && err=file:$ACCELQ_ERRPORT
	cat >"$etc/accelq.target" <<EOF
[Unit]
Description=accelq test run
Requires=basic.target
After=basic.target
Wants=accelq-run.service
AllowIsolate=yes
EOF
	cat >"$etc/accelq-run.service" <<EOF
[Unit]
Description=accelq test command
After=basic.target
SuccessAction=poweroff-immediate
FailureAction=poweroff-immediate

[Service]
Type=exec
ExecStart=/bin/sh $ACCELQ_REPO/scripts/guest-init.sh systemd-run
StandardInput=null
StandardOutput=tty
StandardError=$err
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no
TimeoutStartSec=infinity
EOF
	ln -sfn accelq.target "$etc/default.target"
}

# ---------------------------------------------------------------- stage 2 --
mount_pseudo() {
	mnt() { mountpoint -q "$3" 2>/dev/null || { mkdir -p "$3" && mount -t "$1" -o "$4" "$2" "$3"; } ||
		say "warning: cannot mount $1 on $3"; }
	mnt cgroup2 cgroup2 /sys/fs/cgroup nosuid,nodev,noexec
	mnt tracefs tracefs /sys/kernel/tracing nosuid,nodev,noexec
	mnt debugfs debugfs /sys/kernel/debug nosuid,nodev,noexec
	mnt bpf bpf /sys/fs/bpf nosuid,nodev,noexec,mode=700
	mnt tmpfs tmpfs /tmp nosuid,nodev,mode=1777
	mnt tmpfs tmpfs /run nosuid,nodev,mode=755
	mnt devpts devpts /dev/pts nosuid,noexec,gid=5,mode=620,ptmxmode=666
	mnt tmpfs tmpfs /dev/shm nosuid,nodev,mode=1777
	mkdir -p /run/lock
}

setup_env() {
	# shellcheck disable=SC1090,SC1091
	. "$HARNESS/config"
	unset BOOT_IMAGE
	export PATH="$GUEST_PATH" HOME=/root LANG=C.UTF-8 TERM="${ACCELQ_TERM:-dumb}"
	export ACCELQ_OUT="$OUTMNT" ACCELQ_REPO ACCELQ_IN_VM=1
	export CI="${ACCELQ_CI:-}"
	[ -n "$CI" ] || unset CI
	# user --env settings
	# shellcheck disable=SC1090,SC1091
	[ -r "$HARNESS/env.sh" ] && . "$HARNESS/env.sh"
	hostname accelq-vm 2>/dev/null
	ip link set lo up 2>/dev/null
}

kmemleak_on() {
	[ -w /sys/kernel/debug/kmemleak ] && [ "${ACCELQ_VM_KMEMLEAK:-1}" != 0 ]
}

# On a kernel with kmemleak, forget what leaked before the command ...
kmemleak_baseline() {
	if kmemleak_on; then
		echo scan >/sys/kernel/debug/kmemleak 2>/dev/null
		echo clear >/sys/kernel/debug/kmemleak 2>/dev/null
	fi
}

# finish STATUS: save the results and power off
finish() {
	rc=$1
	if kmemleak_on; then
		# ... and report what leaked since (objects younger than ~5 s are
		# never reported, hence the wait)
		sleep 6
		echo scan >/sys/kernel/debug/kmemleak 2>/dev/null
		cat /sys/kernel/debug/kmemleak >"$OUTMNT/kmemleak.txt" 2>/dev/null
	fi
	dmesg >"$OUTMNT/dmesg.txt" 2>/dev/null
	cat /proc/sys/kernel/tainted >"$OUTMNT/tainted" 2>/dev/null
	echo "$rc" >"$OUTMNT/exit-status.tmp" && mv "$OUTMNT/exit-status.tmp" "$OUTMNT/exit-status"
	sync
	halt_now
}

run_cmd() {
	cmd=$(cat "$HARNESS/cmd")
	errdev=/dev/ttyS0
	if [ -n "${ACCELQ_ERRPORT:-}" ] && [ -c "$ACCELQ_ERRPORT" ]; then
		stty -F "$ACCELQ_ERRPORT" raw -echo -onlcr 2>/dev/null
		errdev=$ACCELQ_ERRPORT
	fi
	cd "${ACCELQ_CWD:-$ACCELQ_REPO}" || return 125
	cut -d' ' -f1 /proc/uptime >"$OUTMNT/boot-time" 2>/dev/null
	kmemleak_baseline
	sh -c "$cmd" </dev/null >/dev/ttyS0 2>"$errdev"
}

stage2() {
	mount_pseudo
	setup_env
	exec </dev/ttyS0 >/dev/ttyS0 2>&1
	case $ACCELQ_MODE in
	interactive)
		# shellcheck disable=SC2086 # "rows N cols M"
		[ -n "${ACCELQ_STTY:-}" ] && stty $ACCELQ_STTY 2>/dev/null
		stty -onlcr 2>/dev/null # the host terminal adds the CR
		cd "${ACCELQ_CWD:-$ACCELQ_REPO}" || cd /
		echo "accelq guest shell: results share at \$ACCELQ_OUT=$OUTMNT; exit or Ctrl-D powers off (Ctrl-A x kills qemu)"
		setsid -c /bin/bash -l
		finish $?
		;;
	*)
		stty -F /dev/ttyS0 -onlcr 2>/dev/null
		run_cmd
		finish $?
		;;
	esac
}

systemd_run() {
	mount_pseudo
	setup_env
	stty -F /dev/ttyS0 -onlcr 2>/dev/null
	run_cmd
	finish $?
}

case ${1:-} in
stage2) stage2 ;;
systemd-run) systemd_run ;;
*)
	if [ $$ -eq 1 ] && [ -d /modules ]; then
		stage1
	else
		echo "usage: guest-init.sh is the accelq QEMU guest init; see docs/harness.md" >&2
		exit 2
	fi
	;;
esac
