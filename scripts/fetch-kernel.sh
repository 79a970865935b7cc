#!/bin/sh
# Fetch the Debian guest kernel that matches linux-headers-amd64 and build the
# harness initramfs for it.  Nothing is installed on the host: the image
# package is unpacked with `dpkg -x` into a cache directory.
#
#   scripts/fetch-kernel.sh                 ensure the cache, print its dir
#   scripts/fetch-kernel.sh --print-ver     print the kernel version only
#                                           (no download; for KDIR in make)
#   scripts/fetch-kernel.sh --print-dir     print the cache dir (no download)
#   scripts/fetch-kernel.sh --build-initramfs DEST [MODDIR]
#                                           build an initramfs into DEST with
#                                           the boot modules taken from MODDIR
#                                           (a lib/modules/<ver> directory);
#                                           without MODDIR: no modules (for a
#                                           kernel with the drivers built in)
#
# Cache layout ($ACCELQ_CACHE defaults to <repo>/.cache):
#   $ACCELQ_CACHE/kernel/<ver>/vmlinuz
#   $ACCELQ_CACHE/kernel/<ver>/lib/modules/<ver>/   (depmod'ed)
#   $ACCELQ_CACHE/kernel/<ver>/initramfs.cpio
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd -P)
CACHE_ROOT=${ACCELQ_CACHE:-$REPO/.cache}
BUSYBOX=${ACCELQ_BUSYBOX:-/bin/busybox}
# Top-level modules the initramfs needs; their dependency closure is
# computed from modules.dep at build time.
BOOT_MODULES="virtio_pci 9pnet_virtio 9p overlay"

log() { echo "fetch-kernel: $*" >&2; }
die() { log "error: $*"; exit 1; }

kernel_version() {
	if [ -n "${ACCELQ_KVER:-}" ]; then
		echo "$ACCELQ_KVER"
		return
	fi
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null || true)
	if [ -z "$dep" ]; then
		dep=$(apt-cache depends linux-headers-amd64 2>/dev/null |
			sed -n 's/^ *Depends: *//p' | head -n 1)
	fi
	ver=$(printf '%s\n' "$dep" | tr ',' '\n' |
		sed -n 's/^ *linux-headers-\([0-9][^ ]*\).*/\1/p' | head -n 1)
	[ -n "$ver" ] || die "cannot resolve the kernel version from linux-headers-amd64 (install it: scripts/setup-deps.sh)"
	echo "$ver"
}

# build_initramfs DEST [MODDIR]
build_initramfs() {
	dest=$1
	moddir=${2:-}
	[ -x "$BUSYBOX" ] || die "$BUSYBOX missing (apt-get install busybox-static)"
	stage=$(mktemp -d "${TMPDIR:-/tmp}/accelq-initramfs.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$stage'" EXIT
	mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" \
		"$stage/lower" "$stage/newroot" "$stage/rw" "$stage/out" \
		"$stage/modules" "$stage/tmp"
	cp "$BUSYBOX" "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	cp "$REPO/scripts/guest-init.sh" "$stage/init"
	chmod 755 "$stage/init"
	: >"$stage/modules/load.list"
	if [ -n "$moddir" ]; then
		modver=$(basename "$moddir")
		# modprobe wants <base>/lib/modules/<ver>; fake the base with a link
		# when MODDIR is not laid out that way.
		case $moddir in
		*/lib/modules/"$modver") base=${moddir%/lib/modules/"$modver"} ;;
		*)
			base=$stage/modbase
			mkdir -p "$base/lib/modules"
			ln -s "$moddir" "$base/lib/modules/$modver"
			;;
		esac
		[ -n "$base" ] || base=/
		[ -f "$moddir/modules.dep" ] || depmod -b "$base" "$modver" ||
			die "no modules.dep in $moddir and depmod failed"
		i=0
		# modprobe -D prints "insmod /path" for each module of the closure
		# in load order, and "builtin NAME" for built-in ones.
		for top in $BOOT_MODULES; do
			modprobe -d "$base" -S "$modver" -D "$top" 2>/dev/null || {
				log "note: $top not found in $moddir (assuming built in)"
				continue
			}
		done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' >"$stage/order"
		while read -r ko; do
			i=$((i + 1))
			name=$(basename "$ko")
			case $name in
			*.ko.xz) out=${name%.xz}; xz -dc "$ko" >"$stage/modules/$out" ;;
			*.ko.zst) out=${name%.zst}; zstd -qdc "$ko" >"$stage/modules/$out" ;;
			*.ko.gz) out=${name%.gz}; gzip -dc "$ko" >"$stage/modules/$out" ;;
			*) out=$name; cp "$ko" "$stage/modules/$out" ;;
			esac
			echo "$out" >>"$stage/modules/load.list"
		done <"$stage/order"
		rm -f "$stage/order"
	fi
	tmp=$dest.tmp.$$
	(cd "$stage" && find . -path ./modbase -prune -o -print |
		LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$tmp"
	mv -f "$tmp" "$dest"
	rm -rf "$stage"
	trap - EXIT
}

# initramfs_stamp MODDIR: identifies the inputs of an initramfs.
initramfs_stamp() {
	{
		cat "$REPO/scripts/guest-init.sh" "$REPO/scripts/fetch-kernel.sh"
		echo "$BOOT_MODULES ${1:-}"
		[ -z "${1:-}" ] || ls -l --time-style=+%s "$1/modules.dep" 2>/dev/null
	} | sha256sum | cut -c1-16
}

fetch() {
	ver=$1
	dir=$CACHE_ROOT/kernel/$ver
	if [ -f "$dir/.complete" ] && [ -f "$dir/initramfs.cpio" ] &&
		[ "$(cat "$dir/initramfs.stamp" 2>/dev/null)" = "$(initramfs_stamp "$dir/lib/modules/$ver")" ]; then
		echo "$dir"
		return
	fi
	mkdir -p "$CACHE_ROOT/kernel"
	exec 9>"$CACHE_ROOT/kernel/.lock"
	flock 9
	if [ ! -f "$dir/.complete" ]; then
		rm -rf "$dir"
		work=$(mktemp -d "$CACHE_ROOT/kernel/.fetch.XXXXXX")
		pkg=
		for try in 1 2; do
			for cand in "linux-image-$ver" "linux-image-$ver-unsigned"; do
				if apt-cache show "$cand" >/dev/null 2>&1 &&
					(cd "$work" && apt-get download -q "$cand" >/dev/null 2>"$work/apt.err"); then
					pkg=$cand
					break 2
				fi
			done
			# stale or missing package lists: refresh once (root only)
			if [ "$try" != 1 ] || [ "$(id -u)" != 0 ]; then break; fi
			log "refreshing the apt package lists"
			apt-get update -qq >&2 || break
		done
		if [ -z "$pkg" ]; then
			cat "$work/apt.err" >&2 2>/dev/null
			die "cannot download linux-image-$ver (apt-get update? scripts/setup-deps.sh?)"
		fi
		log "downloaded $pkg"
		dpkg -x "$work"/*.deb "$work/x"
		mkdir -p "$work/k/lib/modules"
		mv "$work/x/boot/vmlinuz-$ver" "$work/k/vmlinuz"
		mv "$work/x/boot/config-$ver" "$work/k/config" 2>/dev/null || true
		mv "$work/x/boot/System.map-$ver" "$work/k/System.map" 2>/dev/null || true
		mv "$work/x/lib/modules/$ver" "$work/k/lib/modules/$ver"
		[ -d /usr/src/"linux-headers-$ver" ] &&
			ln -sfn /usr/src/"linux-headers-$ver" "$work/k/lib/modules/$ver/build"
		depmod -b "$work/k" "$ver"
		echo "$pkg" >"$work/k/package"
		touch "$work/k/.complete"
		mv "$work/k" "$dir"
		rm -rf "$work"
	fi
	stamp=$(initramfs_stamp "$dir/lib/modules/$ver")
	if [ "$(cat "$dir/initramfs.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$dir/initramfs.cpio" ]; then
		build_initramfs "$dir/initramfs.cpio" "$dir/lib/modules/$ver"
		echo "$stamp" >"$dir/initramfs.stamp"
	fi
	exec 9>&-
	echo "$dir"
}

case ${1:-} in
--print-ver) kernel_version ;;
--print-dir) echo "$CACHE_ROOT/kernel/$(kernel_version)" ;;
--build-initramfs)
	[ $# -ge 2 ] || die "usage: $0 --build-initramfs DEST [MODDIR]"
	build_initramfs "$2" "${3:-}"
	;;
--stamp) initramfs_stamp "${2:-}" ;;
"") fetch "$(kernel_version)" ;;
-h | --help) sed -n '2,20s/^# \{0,1\}//p' "$0" ;;
*) die "unknown option $1 (see --help)" ;;
esac
