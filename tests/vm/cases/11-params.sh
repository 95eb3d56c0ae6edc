#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Every load-time parameter: good values take effect, bad ones fail the load
# with EINVAL (or EEXIST for a taken domain) and a message naming the
# parameter, and leave nothing half-created.
# budget: 200
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

ktap_plan 56
P=/sys/module/fake_sriov_vgpu/parameters

# bad_load (fsv.sh): the load fails, leaves nothing behind and logs MESSAGE.

# good_load NAME EXPECTED-ADDRESSES PARAM...: loads and shows those VFs.
good_load() {
	_name=$1 _want=$2
	shift 2
	if ! fsv_load "$@"; then
		not_ok "$_name" "load failed: $*"
		return 1
	fi
	assert_eq "$_name" "$_want" "$(fsv_vfs | sed 's/^0001:00://' | xargs)"
}

types() { for v in $(fsv_vfs); do cat "$SYSPCI/$v/nvidia/current_vgpu_type"; done | xargs; }

# Sanitizer kernel (a failed load costs 8 s there): the loads that
# fsv_parse_params() refuses before anything is made run on the stock
# kernels only. Kept there: one per way out of the parser (num_vfs=257, a
# vfs= duplicate), a taken domain, windows that do not fit (part-way).
par_bad() {
	if ! full_scale; then
		skip "$1" "sanitizer kernel: parameter checks run on the stock kernels"
		return
	fi
	bad_load "$@"
}

good_load "num_vfs=0 loads with no VFs" "" num_vfs=0
assert_eq "num_vfs=0 shows 0" 0 "$(cat $P/num_vfs)"
fsv_unload
good_load "num_vfs=2" "00.0 01.0" num_vfs=2
fsv_unload
if full_scale; then
	good_load "num_vfs=33 wraps to function 1" "$(printf '00.0 00.1'; i=1; while [ $i -lt 32 ]; do printf ' %02x.0' $i; i=$((i + 1)); done)" num_vfs=33
	fsv_unload
	if fsv_load num_vfs=256; then
		assert_eq "num_vfs=256 fills the bus" 256 "$(fsv_count)"
		assert_eq "last VF at 1f.7" 1 "$(fsv_vfs | grep -c '0001:00:1f.7')"
		fsv_unload
	else
		not_ok "num_vfs=256 fills the bus"
		not_ok "last VF at 1f.7"
	fi
else
	skip "num_vfs=33 wraps to function 1" "$SCALE_SKIP"
	skip "num_vfs=256 fills the bus" "$SCALE_SKIP"
	skip "last VF at 1f.7" "$SCALE_SKIP"
fi
bad_load "num_vfs=257 fails" "num_vfs=257: out of range" num_vfs=257
par_bad "num_vfs=-2 fails" "num_vfs=-2: out of range" num_vfs=-2

good_load "vgpu_type=0" "00.0 01.0" num_vfs=2 vgpu_type=0
assert_eq "vgpu_type=0 on every VF" "0 0" "$(types)"
fsv_unload
good_load "vgpu_type=512" "00.0" num_vfs=1 vgpu_type=512
assert_eq "vgpu_type=512 on the VF" 512 "$(types)"
fsv_unload
par_bad "vgpu_type=-1 fails" "vgpu_type: vGPU type -1 is negative" vgpu_type=-1

good_load "vfs=256,256,0,512" "00.0 01.0 02.0 03.0" vfs=256,256,0,512
assert_eq "vfs= types" "256 256 0 512" "$(types)"
assert_eq "num_vfs shows the vfs= count" 4 "$(cat $P/num_vfs)"
fsv_unload
good_load "vfs= explicit addresses" "00.0 1f.7" "vfs=00.0:256,1f.7:0"
fsv_unload
bad_load "vfs= duplicate address fails" "address 00.0 is given twice" "vfs=256,00.0:512"
par_bad "vfs= bad address fails" "is not an address" "vfs=20.0:256"
par_bad "vfs= bad type fails" "is not a vGPU type" "vfs=256,abc"
par_bad "vfs= empty entry fails" "is not a vGPU type" "vfs=256,,0"
par_bad "vfs= and num_vfs disagree" "conflicts with vfs=" num_vfs=3 vfs=256,0

good_load "profile=l40s" "00.0" num_vfs=1 profile=l40s vgpu_type=1145
V=$SYSPCI/0001:00:00.0
assert_eq "l40s IDs and class" "0x26b9 0x1851 0x030200" \
	"$(cat "$V"/device "$V"/subsystem_device "$V"/class | xargs)"
assert_eq "l40s catalogue (type set: header only)" "ID    : vGPU Name" "$(cat "$V"/nvidia/creatable_vgpu_types)"
fsv_unload
par_bad "profile=bogus fails" "profile=bogus: unknown profile; allowed: t4, a10" profile=bogus

good_load "domain=0x0002" "" num_vfs=0 domain=0x0002
fsv_unload
if fsv_load num_vfs=1 domain=0x0002; then
	assert_eq "VF in domain 0002" "0002:00:00.0" "$(fsv_vfs_in 0002)"
	fsv_unload
else
	not_ok "VF in domain 0002"
fi
# Domain 0000 takes a free bus number (25-mdev); its bus 00 is the host's.
bad_load "domain=0 bus=0 (the host's bus) fails" "bus=0: bus 0000:00 already exists" domain=0 bus=0
if fsv_insmod domain=0 bus=0 2>/tmp/err; then not_ok "domain=0 bus=0 errno is EEXIST"; fsv_unload; else
	# The module returns EEXIST; newer kernels hand it to user space as
	# EBUSY, so that modprobe cannot mistake it for "already loaded".
	case $(cat /tmp/err) in
	*"File exists"* | *"Device or resource busy"*) ok "domain=0 bus=0 errno is EEXIST" ;;
	*) not_ok "domain=0 bus=0 errno is EEXIST" "$(cat /tmp/err)" ;;
	esac
fi
par_bad "domain=0x10000 fails" "out of range; allowed: 0..0xffff" domain=0x10000

# num_domains=: the same VFs (or PFs) in each of domain, domain+1, ...
if fsv_load num_domains=2 num_vfs=2; then
	assert_eq "num_domains=2 num_vfs=2: 2 VFs in each of 0001 and 0002" \
		"0001:00:00.0 0001:00:01.0 0002:00:00.0 0002:00:01.0" \
		"$(fsv_vfs_in 0001 | xargs) $(fsv_vfs_in 0002 | xargs)"
	bad='' groups=''
	for v in $(fsv_vfs_in 0001) $(fsv_vfs_in 0002); do
		g=$(group_of "$v")
		if [ "$(drv_of "$v")" != nvidia ] || [ "$g" = - ] || [ ! -e "/dev/vfio/$g" ] ||
			[ "$(cat "$SYSPCI/$v/nvidia/current_vgpu_type")" != 256 ]; then
			bad="$bad $v"
		fi
		groups="$groups $g"
	done
	assert_eq "each VF: driver nvidia, type 256, an IOMMU group, /dev/vfio node" "" "${bad# }"
	assert_eq "4 distinct IOMMU groups" 4 "$(echo "$groups" | tr ' ' '\n' | grep -v '^$' | sort -u | wc -l | tr -d ' ')"
	assert_eq "a window per domain in /proc/iomem" 2 "$(grep -c 'fake-sriov-vgpu 000[12]$' /proc/iomem)"
	assert_eq "num_domains shows 2" 2 "$(cat $P/num_domains)"
	fsv_unload
	assert_eq "rmmod removes both domains and windows (domains/windows left)" "/0" \
		"$(fsv_domains | xargs)/$(grep -c fake-sriov-vgpu /proc/iomem)"
else
	for t in "2 VFs in each of 0001 and 0002" "each VF ready" "4 distinct IOMMU groups" \
		"a window per domain" "num_domains shows 2" "rmmod removes both domains"; do
		not_ok "num_domains=2 num_vfs=2: $t" "load failed"
	done
fi
if fsv_load mode=sriov profile=l40s num_domains=2 num_pfs=1 sriov_numvfs=1; then
	pfs='' vfs=''
	for d in 0001 0002; do
		[ -e "$SYSPCI/$d:00:00.0/sriov_totalvfs" ] && pfs="$pfs $d"
		[ "$(readlink "$SYSPCI/$d:00:00.2/physfn" 2>/dev/null)" = "../$d:00:00.0" ] &&
			[ "$(drv_of $d:00:00.2)" = nvidia ] && vfs="$vfs $d"
	done
	assert_eq "mode=sriov num_domains=2 num_pfs=1: a PF in each domain" "0001 0002" "${pfs# }"
	assert_eq "sriov_numvfs=1: each PF's VF in its domain, bound to nvidia" "0001 0002" "${vfs# }"
	fsv_unload
else
	not_ok "mode=sriov num_domains=2 num_pfs=1: a PF in each domain" "load failed"
	not_ok "sriov_numvfs=1: each PF's VF in its domain, bound to nvidia" "load failed"
fi
par_bad "num_domains=0 fails" "num_domains=0: out of range; allowed: 1..16" num_domains=0
par_bad "num_domains=17 fails" "num_domains=17: out of range; allowed: 1..16" num_domains=17
par_bad "num_domains=abc fails" "num_domains='abc': not an integer" num_domains=abc
par_bad "domain=0xffff num_domains=2 fails" "domain=65535 num_domains=2: the domains would run to 10000" \
	domain=0xffff num_domains=2
# A taken bus in the range: here only the first domain's can be taken. The
# guest's only host domain is 0000, below every other, and a second
# instance of the module (to hold domain+1) cannot be loaded, so a range
# whose second domain is taken (the same check, at k = 1) cannot be set up.
bad_load "domain=0 bus=0 num_domains=2: first domain's bus taken" "bus=0: bus 0000:00 already exists" \
	domain=0 bus=0 num_domains=2
# Part-way failure: 16 windows of 128 GiB above 4 GiB need 2052 GiB of
# physical address space. QEMU TCG gives the guest 40 bits (1 TiB): domains
# are created until one's window does not fit, then all are destroyed.
bits=$(sed -n 's/^address sizes[^0-9]*\([0-9]*\) bits physical.*/\1/p' /proc/cpuinfo | head -n 1)
if [ "${bits:-0}" -gt 30 ] && [ $(((1 << bits) >> 30)) -lt 2052 ]; then
	bad_load "num_domains=16: the MMIO windows do not fit ($bits-bit physical addresses)" \
		"MMIO windows fit this host's physical address space; load fewer domains" num_domains=16 num_vfs=0
elif fsv_load num_domains=16 num_vfs=0; then
	assert_eq "num_domains=16: 16 domains (${bits:-?}-bit physical addresses)" 16 "$(fsv_domains | wc -l | tr -d ' ')"
	fsv_unload
else
	not_ok "num_domains=16: 16 domains (${bits:-?}-bit physical addresses)" "load failed"
fi

good_load "strict=1 with a catalogue type" "00.0" num_vfs=1 strict=1 vgpu_type=256
assert_eq "strict shows Y" Y "$(cat $P/strict)"
fsv_unload
par_bad "strict=1 rejects an uncatalogued type" "is not in the t4 profile's catalogue" strict=1 vgpu_type=999
par_bad "strict=1 rejects one in vfs=" "is not in the t4 profile's catalogue" strict=1 vfs=256,999

good_load "driver_name=fakevgpu" "00.0" num_vfs=1 driver_name=fakevgpu
assert_eq "bound to fakevgpu" fakevgpu "$(drv_of 0001:00:00.0)"
fsv_unload
par_bad "driver_name with a slash fails" "must be 1-32 characters" driver_name=a/b

good_load "vfio=off" "00.0" num_vfs=1 vfio=off
g=$(group_of 0001:00:00.0)
if [ "$g" != - ] && [ ! -e "/dev/vfio/$g" ] && [ ! -e "$SYSPCI/0001:00:00.0/vfio-dev" ]; then
	ok "vfio=off: own group, no VFIO node"
else
	not_ok "vfio=off: own group, no VFIO node" "group $g"
fi
fsv_unload
par_bad "vfio=maybe fails" "vfio=maybe: allowed values are auto, on, off" vfio=maybe
if fsv_load num_vfs=1 vfio=on; then
	g=$(group_of 0001:00:00.0)
	if [ -e "/dev/vfio/$g" ]; then ok "vfio=on registers"; else not_ok "vfio=on registers"; fi
	fsv_unload
else
	not_ok "vfio=on registers" "load failed"
fi
ktap_finish
