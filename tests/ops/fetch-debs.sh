#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Download (never install) the Debian packages that tests/ops/systemd.sh
# unpacks into its guest's throw-away root: udev (the version of the
# installed systemd, to apply data/60-accelq.rules for real) and dkms (to
# build the module from /usr/src/accelq-VERSION). Cached in
# $ACCELQ_CACHE/ops-debs (default .cache/ops-debs); a failed download only
# means the guest test skips those checks. Prints the directory.
set -u

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
DIR=${ACCELQ_CACHE:-$REPO/.cache}/ops-debs
mkdir -p "$DIR" || exit 1

sdver=$(dpkg-query -W -f='${Version}' systemd 2>/dev/null)
for spec in "udev${sdver:+=$sdver}" dkms; do
	p=${spec%%=*}
	ls "$DIR/${p}_"*.deb >/dev/null 2>&1 && continue
	(cd "$DIR" && apt-get download -q "$spec" >/dev/null 2>&1) ||
		echo "fetch-debs: could not download $spec (the guest test skips it)" >&2
done
echo "$DIR"
