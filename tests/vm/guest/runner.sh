#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Guest-side test runner. Runs each case in $FSV_CASES (from /tests/env),
# unloads the modules under test after each, scans the kernel log, and on the
# sanitizer kernel runs a kmemleak scan at the end.
# Human-readable output goes to the console (ttyS0); result records go to the
# results port (/dev/ttyS1), which no kernel message can interleave with:
#   RESULT ok|fail|skip NAME [REASON]   one per case (+ "kmemleak", "boot log")
#   OUT NAME LINE                       the case's own output, line by line
#   DONE
# shellcheck source=/dev/null # written by tests/vm/run for each boot
. /tests/env
export KREL FSV_DEBUG_KERNEL FSV_SLOW FSV_STRESS FSV_KERNEL FSV_KMEMLEAK_EACH
KREL=$(uname -r)
RES=/dev/ttyS1
[ -c "$RES" ] || RES=/dev/console
stty -F "$RES" raw -echo 2>/dev/null

# Kernel log patterns that fail a case.
# shellcheck source=tests/vm/guest/patterns.sh
. /tests/patterns.sh
BAD=$FSV_BAD

rec() { echo "$*" >"$RES"; }

# kmemleak_scan [quick]: suspected leaks so far into /tmp/leaks (sanitizer
# kernel). Waits out DEBUG_KOBJECT_RELEASE's delayed releases and kmemleak's
# minimum object age, then scans with and without stack scanning (the
# trustworthy verdict, at the end of the run). "quick" (after a stress
# block): a shorter wait and one scan each way; what it reports is a leak,
# what it misses the final scan still finds.
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_scan() {
	_wait=${FSV_KMEMLEAK_WAIT:-12} _scans="on on on off off off"
	if [ "${1:-}" = quick ]; then _wait=6 _scans="on off"; fi
	echo "fsv: kmemleak scan ${1:-}"
	sleep "$_wait"
	for s in $_scans; do
		echo "stack=$s" >"$KMEMLEAK"
		echo scan >"$KMEMLEAK"
	done
	echo stack=on >"$KMEMLEAK"
	cat "$KMEMLEAK" >/tmp/leaks
}

unload_all() {
	_r=0
	for m in $FSV_UNLOAD; do
		if [ -d "/sys/module/$m" ]; then
			# modprobe -r may fail on a dependency after unloading $m itself.
			modprobe -r "$m" 2>/tmp/unload.err ||
				[ ! -d "/sys/module/$m" ] || rmmod "$m" 2>>/tmp/unload.err
			if [ -d "/sys/module/$m" ]; then
				_r=1
				echo "fsv: could not unload $m: $(cat /tmp/unload.err)"
			fi
		fi
	done
	return $_r
}

# Boot log (before the first case): reported, not failed on.
dmesg -c >/tmp/dmesg.all
if grep -Eq "$BAD" /tmp/dmesg.all; then
	rec "# note: the boot log already has warnings before any case ran:"
	grep -E "$BAD" /tmp/dmesg.all | head -5 | sed 's/^/# note:   /' >"$RES"
fi

case ${FSV_MODE:-test} in
demo)
	sh /tests/demo.sh
	rec "RESULT ok demo"
	rec DONE
	exit 0
	;;
esac

for c in $FSV_CASES; do
	f=/tests/cases/$c.sh
	echo "fsv: case $c begin" >/dev/kmsg
	echo "===== case $c ($KREL) ====="
	rm -f /tmp/rc
	start=$(date +%s)
	(
		cd /tmp || exit
		timeout "$FSV_CASE_TIMEOUT" sh "$f"
		echo $? >/tmp/rc
	) 2>&1 | tee /tmp/out
	end=$(date +%s)
	rc=$(cat /tmp/rc 2>/dev/null || echo 255)
	sed "s|^|OUT $c |" /tmp/out >"$RES"
	reason=
	status=ok
	case $rc in
	0) ;;
	4) status=skip reason=$(sed -n 's/^1\.\.0 # SKIP //p' /tmp/out | head -n1) ;;
	124 | 143) status=fail reason="timeout after ${FSV_CASE_TIMEOUT}s" ;;
	*) status=fail reason="exit status $rc" ;;
	esac
	if [ "$status" != fail ] && grep -q '^not ok ' /tmp/out; then
		status=fail reason="subtest failed: $(grep -m1 '^not ok ' /tmp/out)"
	fi
	# The plan is a promise: a case that printed fewer (or more) results
	# than it declared stopped half-way, or miscounts; either fails it.
	if [ "$status" != fail ]; then
		plans=$(grep -c '^1\.\.[0-9]' /tmp/out)
		plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' /tmp/out | head -n1)
		results=$(grep -cE '^(ok|not ok) [0-9]+' /tmp/out)
		if [ "$plans" != 1 ]; then
			status=fail reason="$plans KTAP plan lines (one is required)"
		elif [ "$plan" != "$results" ]; then
			status=fail reason="plan 1..$plan but $results results: the case stopped early or miscounts"
		fi
	fi
	if ! unload_all >/tmp/unload.out 2>&1; then
		status=fail reason="module unload failed: $(head -n1 /tmp/unload.out)"
		cat /tmp/unload.out
	fi
	echo "fsv: case $c end" >/dev/kmsg
	dmesg -c >/tmp/dmesg.case
	cat /tmp/dmesg.case >>/tmp/dmesg.all
	if grep -Eq "$BAD" /tmp/dmesg.case; then
		hit=$(grep -Em1 "$BAD" /tmp/dmesg.case)
		status=fail reason="kernel log: $hit"
		grep -E -A25 "$BAD" /tmp/dmesg.case | head -60 | sed "s|^|OUT $c # dmesg: |" >"$RES"
	fi
	# A case with the header line "# kmemleak: after" (the stress blocks)
	# gets its own scan on the sanitizer kernel under make stress
	# (FSV_STRESS above 1) or with FSV_KMEMLEAK_EACH=1, which names the case
	# a leak came from; reported leaks are then cleared, so the final scan
	# shows only later ones. make check leaves it to the final scan, which
	# fails the run on the same leaks (a scan costs about 22 s there).
	if [ "${FSV_DEBUG_KERNEL:-0}" = 1 ] && [ -w "$KMEMLEAK" ] &&
		{ [ "${FSV_STRESS:-1}" -gt 1 ] || [ "${FSV_KMEMLEAK_EACH:-0}" = 1 ]; } &&
		grep -q '^# kmemleak: after' "$f"; then
		kmemleak_scan quick
		if [ -s /tmp/leaks ]; then
			sed "s|^|OUT $c # kmemleak: |" /tmp/leaks | head -200 >"$RES"
			cat /tmp/leaks
			[ "$status" = fail ] || status=fail reason="kmemleak after the case: $(grep -c '^unreferenced object' /tmp/leaks) suspected leak(s)"
			echo clear >"$KMEMLEAK"
		else
			echo "fsv: kmemleak after $c: none"
		fi
	fi
	echo "===== case $c: $status ($((end - start)) s) $reason ====="
	rec "RESULT $status $c $reason"
done

if [ "${FSV_DEBUG_KERNEL:-0}" = 1 ]; then
	if [ -w "$KMEMLEAK" ]; then
		kmemleak_scan
		if [ -s /tmp/leaks ]; then
			sed 's|^|OUT kmemleak |' /tmp/leaks | head -200 >"$RES"
			cat /tmp/leaks
			rec "RESULT fail kmemleak $(grep -c '^unreferenced object' /tmp/leaks) suspected leak(s)"
		else
			rec "RESULT ok kmemleak"
		fi
	else
		rec "RESULT fail kmemleak $KMEMLEAK not available"
	fi
fi

dmesg -c >>/tmp/dmesg.all
echo "===== full kernel log ====="
cat /tmp/dmesg.all
echo "===== end of kernel log ====="
rec DONE
