# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
#
# /tests/lib.sh: KTAP helpers for guest test cases (busybox sh).
# The host-side sections have their own bash library, tests/lib/ktap.sh: this
# copy runs inside the VM, where only the initramfs exists (tests/vm/run
# installs it as /tests/lib.sh), so the two stay separate.
# A case sources this file, prints a plan, one result line per subtest, and
# ends with `ktap_finish` (exit 0 all passed, 1 some failed, 4 all skipped).
#
#   ktap_plan N                 print the plan "1..N" (the runner and
#                               ktap_finish fail a case with another count)
#   ok NAME                     print "ok N NAME"
#   not_ok NAME [REASON]        print "not ok N NAME # REASON"
#   skip NAME REASON            print "ok N NAME # SKIP REASON"
#   skip_all REASON             print "1..0 # SKIP REASON" and exit 4
#   check NAME CMD...           ok if CMD succeeds, else not ok (output shown)
#   expect_errno MSG CMD...     true if CMD fails with MSG on stderr
#                               (e.g. "Invalid argument", "File exists")
#   check_errno NAME MSG CMD... ok if expect_errno MSG CMD...
#   assert_eq NAME EXP ACT      ok if the strings are equal
#   wait_for_path PATH [SECS]   wait until PATH exists (default 10 s)
#   wait_gone PATH [SECS]       wait until PATH no longer exists
#   klog_scan FILE              append the kernel log's failing lines
#                               (patterns.sh) to FILE, for cases whose log
#                               outgrows the ring buffer before the runner
#                               scans it
#   kscan_start FILE; kscan     klog_scan into FILE, as a case goes
#   ok_unless NAME ERR          ok NAME if ERR is empty, else not ok
#   klog_report FILE NAME       klog_scan, then ok NAME if FILE is empty;
#                               the count in KLOG_REPORTS
#   dmesg_mark TEXT             write TEXT to the kernel log
#   dmesg_since TEXT            kernel log lines after the last TEXT mark
#   diag TEXT...                print "# TEXT"
#   kernel_at_least X.Y         true if the running kernel is Linux X.Y or later
#   ktap_finish                 exit with the status described above
#
# Environment: KREL (uname -r), FSV_DEBUG_KERNEL=1 on the sanitizer kernel,
# FSV_SLOW (1, or 8 on the sanitizer kernel: scale timeouts with it).

KTAP_N=0
KTAP_FAILED=0
KTAP_PASSED=0
KTAP_SKIPPED=0
: "${KREL:=$(uname -r)}"
: "${FSV_SLOW:=1}"
echo "KTAP version 1"

diag() { echo "# $*"; }

kernel_at_least() {
	_km=${KREL%%.*} _kn=${KREL#*.}
	_kn=${_kn%%[!0-9]*}
	[ "$_km" -gt "${1%%.*}" ] || { [ "$_km" = "${1%%.*}" ] && [ "$_kn" -ge "${1#*.}" ]; }
}

# The runner fails a case whose number of results differs from its plan.
ktap_plan() {
	KTAP_PLAN=$1
	echo "1..$1"
}

ok() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_PASSED=$((KTAP_PASSED + 1))
	echo "ok $KTAP_N $1"
}

not_ok() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_FAILED=$((KTAP_FAILED + 1))
	if [ -n "${2:-}" ]; then
		echo "not ok $KTAP_N $1 # $2"
	else
		echo "not ok $KTAP_N $1"
	fi
}

skip() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_SKIPPED=$((KTAP_SKIPPED + 1))
	echo "ok $KTAP_N $1 # SKIP ${2:-}"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		ok "$_name"
	else
		_rc=$?
		# shellcheck disable=SC2001 # prefixes every line of a multi-line output
		[ -n "$_out" ] && echo "$_out" | sed 's/^/# /'
		not_ok "$_name" "exit $_rc: $*"
	fi
}

expect_errno() {
	_msg=$1
	shift
	if _err=$("$@" 2>&1); then
		diag "expected failure '$_msg', but succeeded: $*"
		return 1
	fi
	case $_err in
	*"$_msg"*) return 0 ;;
	esac
	diag "expected '$_msg', got: $_err"
	return 1
}

check_errno() {
	_name=$1
	shift
	if expect_errno "$@"; then ok "$_name"; else not_ok "$_name" "expected $1"; fi
}

assert_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		diag "expected: '$2'"
		diag "actual:   '$3'"
		not_ok "$1" "expected '$2', got '$3'"
	fi
}

wait_for_path() {
	_t=$(((${2:-10}) * 10 * FSV_SLOW))
	while [ ! -e "$1" ] && [ ! -L "$1" ]; do
		[ "$_t" -le 0 ] && return 1
		sleep 0.1
		_t=$((_t - 1))
	done
	return 0
}

wait_gone() {
	_t=$(((${2:-10}) * 10 * FSV_SLOW))
	while [ -e "$1" ] || [ -L "$1" ]; do
		[ "$_t" -le 0 ] && return 1
		sleep 0.1
		_t=$((_t - 1))
	done
	return 0
}

# shellcheck source=tests/vm/guest/patterns.sh
. /tests/patterns.sh
klog_scan() { dmesg | grep -E "$FSV_BAD" >>"$1"; }

# For cases whose kernel log outgrows the ring buffer before the runner
# scans it: kscan_start FILE empties FILE, each kscan appends the failing
# lines so far to it, and klog_report FILE NAME reports them at the end.
kscan_start() {
	KFILE=$1
	: >"$KFILE"
}
kscan() { klog_scan "$KFILE"; }

# ok_unless NAME ERR: ok NAME when ERR is empty, else not ok with ERR.
ok_unless() {
	if [ -z "$2" ]; then
		ok "$1"
	else
		not_ok "$1" "$2"
	fi
}

klog_report() {
	klog_scan "$1"
	KLOG_REPORTS=$(sort -u "$1" | wc -l)
	if [ "$KLOG_REPORTS" = 0 ]; then
		ok "$2"
	else
		sort -u "$1" | head -n 5 | sed 's/^/# kernel: /'
		not_ok "$2" "$KLOG_REPORTS kernel report lines, first: $(sort -u "$1" | head -n 1)"
	fi
}

dmesg_mark() { echo "fsv-mark: $*" >/dev/kmsg; }

dmesg_since() {
	dmesg | awk -v m="fsv-mark: $1" '{ l[NR] = $0 } index($0, m) { s = NR } END { for (i = s + 1; i <= NR; i++) print l[i] }'
}

ktap_finish() {
	diag "passed $KTAP_PASSED failed $KTAP_FAILED skipped $KTAP_SKIPPED"
	if [ "${KTAP_PLAN:-}" != "$KTAP_N" ]; then
		diag "plan 1..${KTAP_PLAN:-(none)} but $KTAP_N results"
		exit 1
	fi
	[ "$KTAP_FAILED" -gt 0 ] && exit 1
	[ "$KTAP_PASSED" -eq 0 ] && [ "$KTAP_SKIPPED" -gt 0 ] && exit 4
	exit 0
}
