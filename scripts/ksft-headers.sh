#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Extract the few kernel-tree files accelq borrows from Debian's
# linux-source-6.1 package into a git-ignored cache:
#
#   .cache/linux-src-tools/tools/testing/selftests/kselftest_harness.h
#   .cache/linux-src-tools/tools/testing/selftests/kselftest.h
#   .cache/linux-src-tools/scripts/checkpatch.pl
#   .cache/linux-src-tools/scripts/spelling.txt
#   .cache/linux-src-tools/scripts/const_structs.checkpatch
#
# Idempotent: does nothing when every file is already there. The tarball is
# xz-compressed, so a first run takes about a minute.
#
# Environment: LINUX_SOURCE_TAR overrides the tarball path,
# KSFT_CACHE overrides the cache directory.
set -eu

REPO=$(cd "$(dirname "$0")/.." && pwd)
DEST=${KSFT_CACHE:-$REPO/.cache/linux-src-tools}
TAR=${LINUX_SOURCE_TAR:-/usr/src/linux-source-6.1.tar.xz}
TOP=linux-source-6.1
FILES="tools/testing/selftests/kselftest_harness.h
tools/testing/selftests/kselftest.h
scripts/checkpatch.pl
scripts/spelling.txt
scripts/const_structs.checkpatch"

missing=""
for f in $FILES; do
	[ -s "$DEST/$f" ] || missing="$missing $TOP/$f"
done
[ -z "$missing" ] && exit 0

if [ ! -r "$TAR" ]; then
	echo "ksft-headers: $TAR not found (install linux-source-6.1, see scripts/setup-deps.sh)" >&2
	exit 1
fi

mkdir -p "$DEST"
# Extract into a private directory and move into place file by file, so that
# concurrent callers (make -j) never see a half-written file.
tmp=$(mktemp -d "$DEST/.extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
echo "ksft-headers: extracting from $TAR (takes about a minute)" >&2
# --occurrence lets GNU tar stop reading once every member was found.
# shellcheck disable=SC2086
tar -xJf "$TAR" -C "$tmp" --occurrence=1 $missing
for f in $FILES; do
	if [ -s "$tmp/$TOP/$f" ]; then
		mkdir -p "$DEST/$(dirname "$f")"
		mv -f "$tmp/$TOP/$f" "$DEST/$f"
	fi
	if [ ! -s "$DEST/$f" ]; then
		echo "ksft-headers: $TOP/$f missing from $TAR" >&2
		exit 1
	fi
done
exit 0
