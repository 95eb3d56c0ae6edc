# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# Helpers for tests/packaging/run: KTAP output and running commands inside a
# Debian system tree (a chroot in a private mount namespace: nothing leaks to
# the host, and the mounts vanish with the process).

FSV_T=0
FSV_FAILED=0

ok() {
	FSV_T=$((FSV_T + 1))
	printf 'ok %d %s\n' "$FSV_T" "$1"
}

not_ok() {
	FSV_T=$((FSV_T + 1))
	FSV_FAILED=$((FSV_FAILED + 1))
	printf 'not ok %d %s # %s\n' "$FSV_T" "$1" "${2:-failed}"
}

skip() {
	FSV_T=$((FSV_T + 1))
	printf 'ok %d %s # SKIP %s\n' "$FSV_T" "$1" "$2"
}

diag() { printf '# %s\n' "$*"; }

# check NAME CMD...: ok when CMD succeeds. CMD runs in this shell (a step may
# set variables for later ones); its output goes to the log and, on failure,
# its last lines become diagnostics.
check() {
	local name=$1 out rc=0
	shift
	out=$(mktemp)
	"$@" >"$out" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$name"
	else
		tail -n 15 "$out" | sed 's/^/# /'
		not_ok "$name" "$(tail -n 1 "$out" | cut -c1-160)"
	fi
	{
		printf -- '--- %s\n' "$name"
		cat "$out"
	} >>"${FSV_LOG:-/dev/null}"
	rm -f "$out"
	return "$rc"
}

# in_root DIR CMD...: run CMD (a shell command string) inside DIR.
in_root() {
	local root=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	host_in_ns "$root" bash -c '
		set -e
		mount -t tmpfs tmpfs "$1/tmp"
		exec chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 HOME=/root /bin/bash -c "$2"
	' in_root "$root" "$*"
}

# host_in_ns DIR CMD...: run a host command (rpm --root) with DIR's /dev and
# /proc mounted, as the scriptlets it runs in DIR need them.
host_in_ns() {
	local root=$1
	shift
	# shellcheck disable=SC2016 # the script is expanded by bash -c, not here
	unshare --mount --fork --propagation private -- bash -c '
		set -e
		r=$1; shift
		mount --bind /dev "$r/dev"
		mount -t proc proc "$r/proc"
		mount -t tmpfs tmpfs "$r/run"
		"$@"
	' host_in_ns "$root" "$@"
}
