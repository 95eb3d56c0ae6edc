#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# /tests/demo.sh (make demo): the module configured the way a real host would
# be, through /etc/modprobe.d, then what PCI discovery sees.
conf=/etc/modprobe.d/fake-sriov-vgpu.conf
export NO_COLOR=1
echo FSV-DEMO-BEGIN
echo "options fake_sriov_vgpu num_vfs=4 vgpu_type=256" >"$conf"
step() { printf '\n$ %s\n' "$*"; }

step cat "$conf"
cat "$conf"
step modprobe fake_sriov_vgpu
modprobe fake_sriov_vgpu || echo "modprobe failed: exit $?"
udevadm settle --timeout=30 2>/dev/null
step lspci -nn
lspci -nn
for d in /sys/bus/pci/devices/0001:*; do
	[ -e "$d" ] || continue
	a=${d##*/}
	drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null)
	grp=$(basename "$(readlink "$d/iommu_group" 2>/dev/null)" 2>/dev/null)
	printf '%s driver=%s iommu_group=%s current_vgpu_type=%s\n' "$a" "${drv:-none}" "${grp:-none}" \
		"$(cat "$d/nvidia/current_vgpu_type" 2>/dev/null || echo -)"
done
first=
for d in /sys/bus/pci/devices/0001:*; do
	[ -e "$d" ] && first=$d && break
done
if [ -n "$first" ]; then
	step udevadm info "$first"
	udevadm info "$first" | grep -E 'ID_MODEL_FROM_DATABASE|ID_VENDOR_FROM_DATABASE|PCI_ID|DRIVER|FAKE_SRIOV' || true
fi
step ls /dev/vfio
ls /dev/vfio /dev/vfio/devices 2>/dev/null
if [ -x /usr/bin/fakesriov-validate ]; then
	step fakesriov-validate
	fakesriov-validate
	echo "(validator exit status $?)"
	# Without the VFIO cdev, v1.9.0's Allocate fails (kubevirt issue #18895).
	step fakesriov-validate --rules kubevirt-main
	fakesriov-validate --rules kubevirt-main
	echo "(validator exit status $?)"
else
	echo "(fakesriov-validate not built: make validator)"
fi
if [ -x /usr/sbin/setup-fake-sriov.sh ]; then
	step setup-fake-sriov.sh status
	setup-fake-sriov.sh status
fi
step modprobe -r fake_sriov_vgpu
modprobe -r fake_sriov_vgpu && echo unloaded
echo FSV-DEMO-END
