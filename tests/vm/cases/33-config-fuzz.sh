#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Stress: config space through /sys/bus/pci/devices/*/config (cfgfuzz: reads
# of every width at every offset 0..4095, writes of every width at every
# offset, random writes with a printed seed, BAR sizing against the profile's
# BAR sizes) and through setpci. Unimplemented registers read 0, read-only
# fields never change, nothing past 4 KiB is touched (the sanitizer kernel's
# KASAN watches the module's accessors), other functions are not affected.
# FSV_SEED=N repeats a run's random writes (the seed is printed).
# budget: 15
# kmemleak: after
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

FUZZ=/usr/libexec/fsv/cfgfuzz
X=${FSV_STRESS:-1}
rounds=$((20000 * X))
[ "${FSV_DEBUG_KERNEL:-0}" = 1 ] && rounds=$((2000 * X))
seed=${FSV_SEED:-$(($(date +%s) % 100000 + 1))}
C=$FSV_CFS
[ -x $FUZZ ] || skip_all "$FUZZ is missing (tests/vm/progs/cfgfuzz.c did not build)"

ktap_plan 12
# shellcheck disable=SC2317 # called by the trap
cleanup() { fsv_unload >/dev/null 2>&1; }
trap cleanup EXIT

fsv_load num_vfs=2
mkdir $C/a16 && wr $C/a16/slot 5 && wr $C/a16/function 0 && wr $C/a16/profile a16 && wr $C/a16/enable 1
T4=0001:00:00.0 A16=0001:00:05.0 OTHER=0001:00:01.0
dd if=$SYSPCI/$OTHER/config of=/tmp/other.before bs=4096 count=1 2>/dev/null

# run_fuzz NAME ARGS...: one result from cfgfuzz's exit status and output.
writes=0
run_fuzz() {
	_name=$1
	shift
	_out=$($FUZZ "$@" 2>&1)
	_rc=$?
	echo "$_out" | sed 's/^/# /'
	_w=$(echo "$_out" | sed -n 's/.*: \([0-9][0-9]*\) writes .*/\1/p')
	writes=$((writes + ${_w:-0}))
	if [ $_rc = 0 ]; then ok "$_name"; else not_ok "$_name" "$(echo "$_out" | grep -m1 FAIL)"; fi
}

run_fuzz "t4 $T4: reads of widths 1, 2, 4 at every offset; unimplemented bytes read 0" read $T4
run_fuzz "a16 $A16: reads of widths 1, 2, 4 at every offset; unimplemented bytes read 0" read $A16
run_fuzz "t4 $T4: writes at every offset and $rounds random ones (seed $seed): read-only bytes kept" fuzz $T4 "$seed" $rounds
run_fuzz "a16 $A16: writes at every offset and $rounds random ones (seed $((seed + 1))): read-only bytes kept" fuzz $A16 $((seed + 1)) $rounds
run_fuzz "t4 BARs size to 16M/256M/32M" bars $T4 16M 256M 32M
run_fuzz "a16 BARs size to 16M/128M/32M" bars $A16 16M 128M 32M

dd if=$SYSPCI/$OTHER/config of=/tmp/other.after bs=4096 count=1 2>/dev/null
if cmp -s /tmp/other.before /tmp/other.after && [ "$(cat $SYSPCI/$OTHER/nvidia/current_vgpu_type)" = 256 ] &&
	[ "$(drv_of $OTHER)" = nvidia ]; then
	ok "$OTHER untouched by the fuzzing of its neighbours"
else
	cmp -l /tmp/other.before /tmp/other.after | head -n 5 | sed 's/^/# differs: /'
	not_ok "$OTHER untouched by the fuzzing of its neighbours"
fi

if command -v setpci >/dev/null; then
	assert_eq "setpci: VENDOR_ID reads 10de" 10de "$(setpci -s $T4 VENDOR_ID 2>&1)"
	setpci -s $T4 VENDOR_ID=1234 DEVICE_ID=5678 2>/dev/null
	assert_eq "setpci: writes to VENDOR_ID/DEVICE_ID are ignored (read-only)" "10de 1eb8" \
		"$(setpci -s $T4 VENDOR_ID DEVICE_ID 2>&1 | xargs)"
	old=$(setpci -s $T4 CACHE_LINE_SIZE)
	setpci -s $T4 CACHE_LINE_SIZE=10
	cl=$(setpci -s $T4 CACHE_LINE_SIZE)
	setpci -s $T4 CACHE_LINE_SIZE="$old"
	assert_eq "setpci: CACHE_LINE_SIZE is writable (10), restored to $old" "10 $old" "$cl $(setpci -s $T4 CACHE_LINE_SIZE)"
	b0=$(setpci -s $T4 BASE_ADDRESS_0)
	setpci -s $T4 BASE_ADDRESS_0=ffffffff
	m0=$(setpci -s $T4 BASE_ADDRESS_0)
	setpci -s $T4 BASE_ADDRESS_0="$b0"
	assert_eq "setpci: BAR0 sizes to 16M (ff000004), restored to $b0" "ff000004 $b0" "$m0 $(setpci -s $T4 BASE_ADDRESS_0)"
else
	for t in "setpci: VENDOR_ID reads 10de" "setpci: writes to VENDOR_ID/DEVICE_ID are ignored (read-only)" \
		"setpci: CACHE_LINE_SIZE is writable" "setpci: BAR0 sizes to 16M"; do
		skip "$t" "setpci not in the initramfs (pciutils missing on the host)"
	done
fi
assert_eq "lspci still decodes both after the fuzzing" \
	"0001:00:00.0 0300: 10de:1eb8 (rev a1)|0001:00:05.0 0302: 10de:25b6 (rev a1)" \
	"$(lspci -n -s 0001:00:00.0 2>&1)|$(lspci -n -s 0001:00:05.0 2>&1)"
diag "figures: config writes $writes, random rounds $rounds x 2, seed $seed, functions fuzzed 2"
ktap_finish
