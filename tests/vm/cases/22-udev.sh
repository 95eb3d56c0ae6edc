#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# udev sees every attribute when its events fire: the iommu_group link and
# the nvidia/ group at "bind" (VFIO gives the group as the stub driver binds;
# the nvidia/ group comes with the driver).
# budget: 60
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

command -v udevadm >/dev/null || skip_all "no udevadm in the guest"
udevadm control --ping 2>/dev/null || skip_all "systemd-udevd is not running in the guest"
ktap_plan 6

mkdir -p /run/udev/rules.d
cat >/run/udev/rules.d/99-fsv-test.rules <<'RULES'
ACTION=="bind", SUBSYSTEM=="pci", DRIVER=="nvidia", TEST=="iommu_group", ENV{FSV_GROUP_AT_BIND}="1"
ACTION=="bind", SUBSYSTEM=="pci", DRIVER=="nvidia", TEST=="nvidia/current_vgpu_type", TEST=="nvidia/creatable_vgpu_types", ENV{FSV_NVIDIA_AT_BIND}="1"
RULES
udevadm control --reload
# --ping returns once udevd has handled the messages before it: the rules
# are reloaded before the module's events (a loaded machine took them late).
udevadm control --ping

udevadm monitor --udev --property --subsystem-match=pci >/tmp/mon 2>&1 &
mp=$!
# The monitor is listening once it has printed its header.
i=0
while ! grep -q 'UDEV' /tmp/mon 2>/dev/null && [ $i -lt $((50 * FSV_SLOW)) ]; do sleep 0.1; i=$((i + 1)); done
fsv_load num_vfs=2
udevadm settle -t $((30 * FSV_SLOW))
sleep 1
kill $mp
wait $mp 2>/dev/null

# How many fake functions had an event of one ACTION carrying PROP=1.
events() {
	awk -v a="$1" -v p="$2=1" '
		function flush() { if (act == a && dev != "" && prop) seen[dev] = 1 }
		/^UDEV / { flush(); act = ""; dev = ""; prop = 0 }
		/^ACTION=/ { act = substr($0, 8) }
		/^PCI_SLOT_NAME=0001:/ { dev = substr($0, 15) }
		$0 == p { prop = 1 }
		END { flush(); for (d in seen) n++; print n + 0 }' /tmp/mon
}
assert_eq "bind events see iommu_group" 2 "$(events bind FSV_GROUP_AT_BIND)"
assert_eq "bind events see nvidia/" 2 "$(events bind FSV_NVIDIA_AT_BIND)"
assert_eq "udev database has it" 1 "$(udevadm info "$SYSPCI"/0001:00:00.0 | grep -c 'FSV_NVIDIA_AT_BIND=1')"
u=$(udevadm info "$SYSPCI"/0001:00:00.0)
case $u in *"ID_VENDOR_FROM_DATABASE=NVIDIA Corporation"*) ok "hwdb vendor" ;; *) not_ok "hwdb vendor" ;; esac
case $u in *"DRIVER=nvidia"*) ok "udev sees the driver" ;; *) not_ok "udev sees the driver" ;; esac
rm -f /run/udev/rules.d/99-fsv-test.rules
udevadm control --reload
check "rmmod" rmmod fake_sriov_vgpu
ktap_finish
