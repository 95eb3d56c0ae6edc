#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# SR-IOV mode (mode=sriov): PFs whose sriov_numvfs creates VFs through the
# PCI core. The PF's SR-IOV files and links, VFs' physfn/virtfnN, nvidia/ and
# an IOMMU group on VFs only, enable/disable cycles, EBUSY without going
# through 0, bad sriov_numvfs input, VFs at load (sriov_numvfs=), several
# PFs and mixed boards, numa_node= per PF, the sriov-manage script, rmmod
# with VFs enabled, and bad values of the new parameters.
# needs: numa
# budget: 150
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

ktap_plan 58
PFA=0001:00:00.0
PF=$SYSPCI/$PFA
SM=/usr/lib/nvidia/sriov-manage
cycles=$((4 * ${FSV_STRESS:-1}))
if ! full_scale; then cycles=2; fi

numvfs() { cat "$PF/sriov_numvfs"; }
vfs_of() { for _l in "$1"/virtfn*; do [ -L "$_l" ] && _base "$_l"; done; }

fsv_load mode=sriov profile=l40s
assert_eq "PF at 00:00.0 bound to nvidia" nvidia "$(drv_of $PFA)"
assert_eq "PF totalvfs/numvfs/offset/stride/vf_device" "32 0 2 1 26b9" \
	"$(cat "$PF/sriov_totalvfs" "$PF/sriov_numvfs" "$PF/sriov_offset" "$PF/sriov_stride" "$PF/sriov_vf_device" | xargs)"
assert_eq "PF has no nvidia/ and no vfio-dev/" "no no" \
	"$([ -e "$PF/nvidia" ] && echo yes || echo no) $([ -e "$PF/vfio-dev" ] && echo yes || echo no)"
assert_eq "PF has an IOMMU group" yes "$([ -L "$PF/iommu_group" ] && echo yes || echo no)"
assert_eq "no VF before sriov_numvfs" "$PFA" "$(fsv_vfs | xargs)"
assert_eq "lspci: the PF has the SR-IOV capability" 1 \
	"$(lspci -vvv -s $PFA 2>/dev/null | grep -c 'Single Root I/O Virtualization')"

check "sriov_numvfs: 4" wr "$PF/sriov_numvfs" 4
assert_eq "4 VFs at 00.2-00.5" "0001:00:00.2 0001:00:00.3 0001:00:00.4 0001:00:00.5" "$(vfs_of "$PF" | xargs)"
bad=
for v in $(vfs_of "$PF"); do
	[ "$(_base "$SYSPCI/$v/physfn")" = $PFA ] || bad="$bad $v:physfn"
	[ "$(drv_of "$v")" = nvidia ] || bad="$bad $v:driver"
	[ -r "$SYSPCI/$v/nvidia/current_vgpu_type" ] || bad="$bad $v:nvidia"
	[ -e "$SYSPCI/$v/sriov_totalvfs" ] && bad="$bad $v:totalvfs"
	g=$(group_of "$v")
	[ "$g" != - ] && [ -e "/dev/vfio/$g" ] || bad="$bad $v:group"
	[ "$(cat "$SYSPCI/$v/device")" = 0x26b9 ] || bad="$bad $v:device"
done
assert_eq "each VF: physfn, nvidia driver and nvidia/, own group and /dev/vfio node, device 26b9" "" "$bad"
assert_eq "VFs' groups differ" 4 "$(for v in $(vfs_of "$PF"); do group_of "$v"; done | sort -u | grep -c .)"
assert_eq "VFs start with no vGPU type" "0 0 0 0" \
	"$(for v in $(vfs_of "$PF"); do cat "$SYSPCI/$v/nvidia/current_vgpu_type"; done | xargs)"
# Unbound from the stub driver a VF keeps a group (the module's); bound
# again it has VFIO's and its node.
wr /sys/bus/pci/drivers/nvidia/unbind 0001:00:00.2
assert_eq "an unbound VF keeps an IOMMU group" "- yes" \
	"$(drv_of 0001:00:00.2) $([ -L "$SYSPCI/0001:00:00.2/iommu_group" ] && echo yes || echo no)"
wr /sys/bus/pci/drivers/nvidia/bind 0001:00:00.2
assert_eq "bound again: nvidia and VFIO's node" "nvidia yes" \
	"$(drv_of 0001:00:00.2) $([ -e "/dev/vfio/$(group_of 0001:00:00.2)" ] && echo yes || echo no)"
assert_eq "VF BARs inside the PF's VF BARs (/proc/iomem)" 12 \
	"$(grep -c '0001:00:00\.[2-5]$' /proc/iomem)"
assert_eq "lspci -nn: VF 00.2 names the L40S" 1 \
	"$(lspci -nn -s 0001:00:00.2 | grep -c '\[10de:26b9\]')"
check_errno "4 -> 2 without 0 is EBUSY" "Device or resource busy" wr "$PF/sriov_numvfs" 2
assert_eq "still 4 after EBUSY" 4 "$(numvfs)"
check_errno "33 (> totalvfs) is ERANGE" "Numerical result out of range" wr "$PF/sriov_numvfs" 33
check_errno "abc is EINVAL" "Invalid argument" wr "$PF/sriov_numvfs" abc
check_errno "-1 is EINVAL" "Invalid argument" wr "$PF/sriov_numvfs" -1
check "4 again is a no-op" wr "$PF/sriov_numvfs" 4
wr /sys/bus/pci/rescan 1
assert_eq "a bus rescan finds no VF twice and loses none" "0001:00:00.0 0001:00:00.2 0001:00:00.3 0001:00:00.4 0001:00:00.5" "$(fsv_vfs | xargs)"
# Newer kernels give a VF no remove file; where it has one, a removed VF
# must not come back through a rescan (the PCI core finds VFs via the PF).
if [ -e "$SYSPCI/0001:00:00.3/remove" ]; then
	wr "$SYSPCI/0001:00:00.3/remove" 1
	wr /sys/bus/pci/rescan 1
	assert_eq "a removed VF stays gone after a rescan" "0001:00:00.0 0001:00:00.2 0001:00:00.4 0001:00:00.5" "$(fsv_vfs | xargs)"
else
	check_errno "a VF has no remove file (the kernel's: writing it is EACCES)" "Permission denied" wr "$SYSPCI/0001:00:00.3/remove" 1
fi
check "sriov_numvfs: 0" wr "$PF/sriov_numvfs" 0
assert_eq "no VF after 0" "$PFA" "$(fsv_vfs | xargs)"
wr "$PF/sriov_numvfs" 2
wr /sys/bus/pci/drivers/nvidia/unbind $PFA
assert_eq "unbinding the PF takes its VFs" "$PFA -" "$(fsv_vfs | xargs) $(drv_of $PFA)"
wr /sys/bus/pci/drivers/nvidia/bind $PFA
assert_eq "bound again: no VFs until sriov_numvfs" "nvidia 0" "$(drv_of $PFA) $(numvfs)"

# Enable/disable cycles, a different count each time; each disable waits
# the PCI core's 1 s. A type set before the disable is gone after it.
bad=
for i in $(seq 1 "$cycles"); do
	n=$((i % 3 * 15 + 2))
	wr "$PF/sriov_numvfs" $n || bad="$bad enable$i"
	[ "$(fsv_count)" = $((n + 1)) ] || bad="$bad count$i=$(fsv_count)"
	wr "$SYSPCI/0001:00:00.2/nvidia/current_vgpu_type" 1150 || bad="$bad type$i"
	wr "$PF/sriov_numvfs" 0 || bad="$bad disable$i"
	[ "$(fsv_count)" = 1 ] || bad="$bad left$i"
done
assert_eq "$cycles enable/disable cycles" "" "$bad"
check "re-enable 32 (the whole board)" wr "$PF/sriov_numvfs" 32
assert_eq "32 VFs, virtfn31 at 04.1" "33 0001:00:04.1" "$(fsv_count) $(_base "$PF/virtfn31")"
assert_eq "a VF re-enabled starts with no type" 0 "$(cat "$SYSPCI/0001:00:00.2/nvidia/current_vgpu_type")"

# The PF's VF range is not free for configfs.
mkdir "$FSV_CFS/x"
wr "$FSV_CFS/x/slot" 1
wr "$FSV_CFS/x/function" 0
check_errno "configfs: an address in the PF's VF range is EEXIST" "File exists" wr "$FSV_CFS/x/enable" 1
wr "$FSV_CFS/x/slot" -1
wr "$FSV_CFS/x/function" -1
check "configfs: first free address is past the PF's slots" wr "$FSV_CFS/x/enable" 1
assert_eq "configfs VF at 05.0" "0001:00:05.0" "$(cat "$FSV_CFS/x/address")"
wr "$FSV_CFS/x/enable" 0
rmdir "$FSV_CFS/x"
check "rmmod with 32 VFs enabled" fsv_unload
assert_eq "nothing left on the bus" "" "$(fsv_vfs | xargs)"

# VFs at load, several PFs of mixed boards, a NUMA node each.
check "load: profiles=l40s,a10,l40s sriov_numvfs=2,3,4 numa_node=0,1,1" \
	fsv_load mode=sriov profiles=l40s,a10,l40s sriov_numvfs=2,3,4 numa_node=0,1,1
assert_eq "PFs at 00.0, 05.0 (an L40S takes 40 addresses), 09.0 (an A10 32)" "26b9 2236 26b9" \
	"$(for p in 00 05 09; do cat "$SYSPCI/0001:00:$p.0/sriov_vf_device" 2>/dev/null || echo -; done | xargs)"
assert_eq "VFs enabled at load per PF" "2 3 4" \
	"$(for p in 00 05 09; do cat "$SYSPCI/0001:00:$p.0/sriov_numvfs" 2>/dev/null || echo -; done | xargs)"
assert_eq "numa_node of PFs and their VFs" "0 0 0 1 1 1 1 1 1 1 1 1" \
	"$(for p in 00 05 09; do cat "$SYSPCI/0001:00:$p.0/numa_node"; for v in $(vfs_of "$SYSPCI/0001:00:$p.0"); do cat "$SYSPCI/$v/numa_node"; done; done | xargs)"
assert_eq "parameters show what was loaded" "sriov 3 l40s,a10,l40s" \
	"$(cat /sys/module/fake_sriov_vgpu/parameters/mode /sys/module/fake_sriov_vgpu/parameters/num_pfs /sys/module/fake_sriov_vgpu/parameters/profiles | xargs)"

# sriov-manage: -d/-e on one PF and on ALL.
if [ ! -x $SM ]; then
	for c in 1 2 3 4 5 6 7 8; do not_ok "sriov-manage check $c" "$SM is missing (tests/vm/run installs scripts/sriov-manage)"; done
else
	check "sriov-manage -d 0001:00:05.0" $SM -d 0001:00:05.0
	assert_eq "its VFs are gone, the others stay" "2 0 4" \
		"$(for p in 00 05 09; do cat "$SYSPCI/0001:00:$p.0/sriov_numvfs"; done | xargs)"
	# Sanitizer kernel (88 VFs cost minutes there): one PF by address.
	if full_scale; then
		check "sriov-manage -e ALL" $SM -e ALL
		assert_eq "every PF has all its VFs (32, 24, 32)" "32 24 32" \
			"$(for p in 00 05 09; do cat "$SYSPCI/0001:00:$p.0/sriov_numvfs"; done | xargs)"
	else
		check "sriov-manage -e 0001:00:05.0" $SM -e 0001:00:05.0
		assert_eq "that PF has all its VFs (24)" "2 24 4" \
			"$(for p in 00 05 09; do cat "$SYSPCI/0001:00:$p.0/sriov_numvfs"; done | xargs)"
	fi
	check_errno "sriov-manage -e on a VF is refused" "not an NVIDIA GPU with SR-IOV" $SM -e 0001:00:00.2
	rc=0; $SM -x ALL 2>/dev/null || rc=$?
	rc2=0; $SM -e 00:zz.0 2>/dev/null || rc2=$?
	assert_eq "sriov-manage: bad option and bad address are usage errors (exit 2)" "2 2" "$rc $rc2"
	check_errno "sriov-manage: an address with no device" "no PCI device 0001:00:1f.7" $SM -e 0001:00:1f.7
	check "sriov-manage -d ALL" $SM -d ALL
fi
check "rmmod with three PFs" fsv_unload

# Bad values of the new parameters: EINVAL, explained, nothing left.
# Sanitizer kernel (a failed load costs 8 s there): the parsers' paths that
# allocate (the lists) and one of each other kind.
badload() {
	if ! full_scale; then
		case $1 in "mode=bogus" | "numa_node=7 (offline)" | "sriov_numvfs= with 2 values for 3 PFs") ;; *)
			skip "$1" "sanitizer kernel: three of the bad loads (all on the stock kernels)"
			return ;;
		esac
	fi
	bad_load -e "Invalid parameters" "$@"
}
badload "mode=bogus" "allowed values are standalone, sriov" mode=bogus
badload "mode=sriov with the mdev-only T4" "has no SR-IOV" mode=sriov profile=t4
badload "mode=sriov with num_vfs=" "num_vfs= and vfs= create standalone VFs" mode=sriov profile=l40s num_vfs=2
badload "sriov_numvfs=33 on an L40S" "write a decimal number 0..32" mode=sriov profile=l40s sriov_numvfs=33
badload "numa_node=7 (offline)" "is not online" mode=sriov profile=l40s numa_node=7
badload "sriov_numvfs= with 2 values for 3 PFs" "2 values for 3 PFs" mode=sriov profile=l40s num_pfs=3 sriov_numvfs=1,2
badload "7 L40S PFs do not fit one bus" "a bus holds 256" mode=sriov profile=l40s num_pfs=7
badload "num_pfs= in standalone mode" "need mode=sriov" num_pfs=2
fsv_unload
