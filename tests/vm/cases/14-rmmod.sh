#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# rmmod in every state of the VFs (bound to nvidia, unbound, bound to
# another driver through driver_override, removed by the PCI core, created
# through configfs and disabled), and 100 load/unload cycles that leave
# nothing behind.
# budget: 240
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

ktap_plan 14

snapshot() {
	{
		fsv_vfs
		find /sys/kernel/iommu_groups -mindepth 1 -maxdepth 1 | wc -l
		ls /dev/vfio
		grep -c fake-sriov-vgpu /proc/iomem
		ls /sys/bus/pci/drivers
		[ -d "$FSV_CFS" ] && echo configfs
	} 2>/dev/null | xargs
}
# Baseline with the module's dependencies (vfio: /dev/vfio/vfio) loaded.
# The baseline waits, as every load does, for the unload's driver directory
# (DEBUG_KOBJECT_RELEASE delays its removal on the sanitizer kernel).
fsv_load num_vfs=0 && rmmod fake_sriov_vgpu
_fsv_settled
base=$(snapshot)
diag "baseline: $base"
left_nothing() { assert_eq "$1: nothing left" "$base" "$(settled "$base" snapshot)"; }

fsv_load
check "rmmod with VFs bound to nvidia" rmmod fake_sriov_vgpu
left_nothing "bound"

fsv_load
for v in $(fsv_vfs); do wr "$SYSPCI"/"$v"/driver/unbind "$v"; done
assert_eq "all unbound" "- - - -" "$(for v in $(fsv_vfs); do drv_of "$v"; done | xargs)"
check "rmmod with VFs unbound" rmmod fake_sriov_vgpu
left_nothing "unbound"

# pci-stub binds whatever driver_override names it for (vfio-pci refuses
# fake VFs on 6.1+: no IOMMU cache coherency), so the VF really is bound to
# another driver when the module goes.
fsv_load
modprobe pci-stub 2>/dev/null
V=0001:00:01.0
wr "$SYSPCI"/$V/driver/unbind $V
wr "$SYSPCI"/$V/driver_override pci-stub
wr /sys/bus/pci/drivers/pci-stub/bind $V 2>/tmp/err || diag "pci-stub bind: $(cat /tmp/err)"
assert_eq "driver_override: the VF is bound to pci-stub" pci-stub "$(drv_of $V)"
check "rmmod with a VF bound to another driver (driver_override)" rmmod fake_sriov_vgpu
rmmod pci_stub 2>/dev/null
left_nothing "driver_override"

fsv_load
wr "$SYSPCI"/0001:00:02.0/remove 1
check "rmmod after the PCI core removed a VF" rmmod fake_sriov_vgpu
left_nothing "pci remove"

fsv_load num_vfs=0
mkdir "$FSV_CFS"/x && wr "$FSV_CFS"/x/enable 1 && wr "$FSV_CFS"/x/enable 0 && rmdir "$FSV_CFS"/x
check "rmmod after configfs create/remove" rmmod fake_sriov_vgpu
left_nothing "configfs"

# 50 cycles on the stock kernels (times FSV_STRESS); 3 on
# the sanitizer kernel, where a cycle costs about 11 s (31-stress-load cycles
# through every VF state there too).
n=$((50 * ${FSV_STRESS:-1}))
[ "${FSV_DEBUG_KERNEL:-0}" = 1 ] && n=3
i=0 bad=0
while [ $i -lt $n ]; do
	if fsv_load num_vfs=4 >/dev/null 2>&1 && [ "$(fsv_count)" = 4 ] && rmmod fake_sriov_vgpu; then :; else bad=1; break; fi
	# The driver's sysfs directory goes with its kobject's release, which
	# DEBUG_KOBJECT_RELEASE delays up to 4 s: a load before that finds
	# /sys/bus/pci/drivers/nvidia still there (EEXIST and a kernel warning).
	wait_gone /sys/bus/pci/drivers/nvidia 10 || { bad=1; break; }
	i=$((i + 1))
done
if [ $bad = 0 ]; then ok "$n load/unload cycles"; else not_ok "$n load/unload cycles" "failed at $i"; fi
left_nothing "$n cycles"
ktap_finish
