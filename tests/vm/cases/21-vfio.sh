#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# VFIO: QEMU's open sequence on every VF, many times (group, type1
# container, device fd, infos, config region == sysfs config); rmmod and
# unbind with the device open; moving a VF to vfio-pci and back.
# budget: 180
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

ktap_plan 17
WALK=/usr/libexec/fsv/vfio-walk
iters=100
[ "${FSV_DEBUG_KERNEL:-0}" = 1 ] && iters=20

fsv_load num_vfs=4
modprobe vfio_iommu_type1 2>/dev/null
# How this kernel let the module register (its load line, from the probes):
# "emulated IOMMU" (a type1 container must attach) or "own IOMMU group"
# (/dev/vfio/<group> exists, type1 cannot attach: no IOMMU for the bus).
reg=$(dmesg | sed -n 's/.*fake_sriov_vgpu: domain .* vfio=[a-z]* (\(.*\))$/\1/p' | tail -n 1)
diag "VFIO registration: ${reg:-not in the kernel log}"
cdev=0
for e in "$SYSPCI"/0001:00:00.0/vfio-dev/*/dev; do [ -e "$e" ] && cdev=1; done
for v in $(fsv_vfs); do
	out=$($WALK "$v" $iters 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	case $rc in
	0) ok "$v: QEMU's open sequence x$iters" ;;
	4) if [ "$reg" = "own IOMMU group" ]; then
			skip "$v: QEMU's open sequence x$iters" "no emulated-IOMMU VFIO on this kernel (own IOMMU group): type1 cannot attach"
		else
			not_ok "$v: QEMU's open sequence x$iters" "type1 refused the group (registration: ${reg:-unknown})"
		fi ;;
	*) not_ok "$v: QEMU's open sequence x$iters" ;;
	esac
done
if [ $cdev = 1 ]; then
	e=$(ls "$SYSPCI"/0001:00:00.0/vfio-dev)
	if [ -c "/dev/vfio/devices/$e" ]; then ok "vfio-dev/$e has /dev/vfio/devices/$e"; else not_ok "vfio-dev/$e has /dev/vfio/devices/$e"; fi
else
	skip "vfio-dev entry has its node" "no VFIO device cdev on this kernel"
fi

# rmmod and unbind while user space holds the device open.
V=0001:00:01.0
$WALK $V hold >/tmp/hold 2>&1 &
hp=$!
i=0
while ! grep -q holding /tmp/hold && kill -0 $hp 2>/dev/null && [ $i -lt $((100 * FSV_SLOW)) ]; do sleep 0.1; i=$((i + 1)); done
if grep -q holding /tmp/hold; then
	if rmmod fake_sriov_vgpu 2>/tmp/err; then
		not_ok "rmmod refused while a VFIO device is open"
	else
		diag "rmmod: $(cat /tmp/err)"
		ok "rmmod refused while a VFIO device is open"
	fi
	kill $hp
	wait $hp 2>/dev/null
	if out=$($WALK $V 1 2>&1); then
		ok "the device opens again once the holder is gone"
	else
		echo "$out" | sed 's/^/# /'
		not_ok "the device opens again once the holder is gone"
	fi
else
	kill $hp 2>/dev/null
	wait $hp 2>/dev/null
	sed "s/^/# /" /tmp/hold
	if [ "$reg" = "own IOMMU group" ] && grep -q "type1 cannot attach" /tmp/hold; then
		skip "rmmod refused while a VFIO device is open" "no device fd: type1 cannot attach (own IOMMU group)"
		skip "the device opens again once the holder is gone" "no device fd: type1 cannot attach (own IOMMU group)"
	else
		not_ok "rmmod refused while a VFIO device is open" "could not open the device"
		not_ok "the device opens again once the holder is gone" "could not open the device"
	fi
fi
assert_eq "still 4 VFs" 4 "$(fsv_count)"

# Hand a VF to vfio-pci and back: works, or fails with a clear message.
modprobe vfio-pci 2>/dev/null
V=0001:00:02.0
check "unbind from nvidia" wr "$SYSPCI"/$V/driver/unbind $V
if [ "$(group_of $V)" != - ]; then ok "unbound VF keeps a group"; else not_ok "unbound VF keeps a group"; fi
wr "$SYSPCI"/$V/driver_override vfio-pci
if wr /sys/bus/pci/drivers/vfio-pci/bind $V 2>/tmp/err; then
	assert_eq "vfio-pci bound" vfio-pci "$(drv_of $V)"
	g=$(group_of $V)
	if [ -e "/dev/vfio/$g" ]; then ok "vfio-pci VF has /dev/vfio/$g"; else not_ok "vfio-pci VF has /dev/vfio/$g"; fi
	assert_eq "KubeVirt accepts the vfio-pci VF" 1 "$(kv_discover 10de:1eb8 | grep -c "^$V ")"
	check "unbind from vfio-pci" wr /sys/bus/pci/drivers/vfio-pci/unbind $V
else
	diag "vfio-pci refused: $(cat /tmp/err); kernel: $(dmesg | grep vfio-pci | tail -n 2)"
	# Without a real IOMMU, 6.1+'s vfio-pci wants cache coherency: EINVAL.
	if grep -q "Invalid argument" /tmp/err; then
		ok "vfio-pci refused with EINVAL"
	else
		not_ok "vfio-pci refused with EINVAL" "got: $(cat /tmp/err)"
	fi
	skip "vfio-pci VF has a VFIO node" "vfio-pci did not bind"
	skip "KubeVirt accepts the vfio-pci VF" "vfio-pci did not bind"
	skip "unbind from vfio-pci" "vfio-pci did not bind"
fi
wr "$SYSPCI"/$V/driver_override ""
check "back to nvidia" wr /sys/bus/pci/drivers/nvidia/bind $V
g=$(group_of $V)
if [ -e "$SYSPCI/$V/nvidia/current_vgpu_type" ] && [ -e "/dev/vfio/$g" ]; then
	ok "nvidia/ and /dev/vfio/$g are back"
else
	not_ok "nvidia/ and /dev/vfio/$g are back"
fi
check "rmmod" rmmod fake_sriov_vgpu
ktap_finish
