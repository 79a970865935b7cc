# SPDX-License-Identifier: GPL-2.0-only
#
# TAP helpers shared by the shell test suites (sourced, not run). The
# caller sets n=0 failed=0 first, and NL (the accelq-nl binary) before
# using nlget.

# ok/nok DESCRIPTION: one result line
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# skip DESCRIPTION REASON
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# check DESCRIPTION CMD...: ok if CMD succeeds
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}
# wait_until SECONDS 'SHELL CODE': eval the code every 0.2 s until true
wait_until() {
	local end=$((SECONDS + $1))
	while ((SECONDS < end)); do
		eval "$2" 2>/dev/null && return 0
		sleep 0.2
	done
	eval "$2"
}
# as UID CMD...: run CMD as UID (same gid, no supplementary groups)
as() {
	local uid=$1
	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "$@"
}
# nlget TENANT KEY: a field of "accelq-nl tenant get"
nlget() {
	"$NL" tenant get "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"
}
