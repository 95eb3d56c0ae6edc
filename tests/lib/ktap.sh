# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# tests/lib/ktap.sh: KTAP output for the host-side test sections (bash),
# sourced by tests/sections/*, tests/vm/run and tests/packaging/lib.sh.
# Format: https://docs.kernel.org/dev-tools/ktap.html
# The guest cases keep their own copy, tests/vm/guest/lib.sh: they run under
# busybox sh inside the VM, where only the initramfs exists (not this file).
# So do the scripts copied into the packaging and deploy images
# (tests/packaging/guest, tests/deploy/guest).
#
#   ktap_header                  print "KTAP version 1"
#   ktap_plan N                  print the plan "1..N"
#   ok NAME                      print "ok N NAME"
#   not_ok NAME [REASON]         print "not ok N NAME[ # REASON]"; counts a
#                                failure. Without REASON, KTAP_DEFAULT_REASON
#                                (empty: no "# ..."; packaging: "failed")
#   skip NAME REASON             print "ok N NAME # SKIP REASON"
#   check NAME CMD...            ok NAME when CMD succeeds, else not_ok NAME
#                                with CMD's last output line as the reason and
#                                its last 15 lines as diagnostics. CMD runs in
#                                this shell (a step may set variables for later
#                                ones); its output is appended to $FSV_LOG
#                                (when set) under "--- NAME". Returns CMD's status.
#   diag TEXT...                 print "# TEXT"
#   diag_out [LINES]             stdin as "# " lines, its last LINES (40)
#   ktap_status                  0 when nothing failed, 1 otherwise
#
# Counters: KTAP_N (results printed), KTAP_FAILED, KTAP_SKIPPED.

KTAP_N=0
KTAP_FAILED=0
KTAP_SKIPPED=0
: "${KTAP_DEFAULT_REASON:=}"

ktap_header() { echo "KTAP version 1"; }
ktap_plan() { echo "1..$1"; }

ok() {
	KTAP_N=$((KTAP_N + 1))
	printf 'ok %d %s\n' "$KTAP_N" "$*"
}

not_ok() {
	local reason=${2:-$KTAP_DEFAULT_REASON}
	KTAP_N=$((KTAP_N + 1))
	KTAP_FAILED=$((KTAP_FAILED + 1))
	if [ -n "$reason" ]; then
		printf 'not ok %d %s # %s\n' "$KTAP_N" "$1" "$reason"
	else
		printf 'not ok %d %s\n' "$KTAP_N" "$1"
	fi
}

skip() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_SKIPPED=$((KTAP_SKIPPED + 1))
	printf 'ok %d %s # SKIP %s\n' "$KTAP_N" "$1" "$2"
}

check() {
	local name=$1 out rc=0
	shift
	out=$(mktemp)
	"$@" >"$out" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$name"
	else
		diag_out 15 <"$out"
		not_ok "$name" "$(tail -n 1 "$out" | cut -c1-160)"
	fi
	{
		printf -- '--- %s\n' "$name"
		cat "$out"
	} >>"${FSV_LOG:-/dev/null}"
	rm -f "$out"
	return "$rc"
}

diag() { printf '# %s\n' "$*"; }
diag_out() { sed -e 's/^/# /' | tail -n "${1:-40}"; }

ktap_status() { [ "$KTAP_FAILED" -eq 0 ]; }
