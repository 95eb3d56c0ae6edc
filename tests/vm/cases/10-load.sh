#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Default load: the seed's "Verify PCI Devices" step and everything a PCI
# discovery tool sees of a VF (sysfs, lspci -vvv, udev, /proc/iomem), then
# rmmod leaves nothing behind.
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

ktap_plan 33
ngroups() { find /sys/kernel/iommu_groups -mindepth 1 -maxdepth 1 | wc -l; }
groups_before=$(ngroups)

check "modprobe with defaults" fsv_load
assert_eq "4 VFs at the seed addresses" \
	"0001:00:00.0 0001:00:01.0 0001:00:02.0 0001:00:03.0" "$(fsv_vfs | xargs)"
D=$SYSPCI/0001:00:00.0
assert_eq "vendor" 0x10de "$(cat "$D"/vendor)"
assert_eq "device" 0x1eb8 "$(cat "$D"/device)"
assert_eq "class" 0x030000 "$(cat "$D"/class)"
assert_eq "subsystem" "0x10de 0x12a2" "$(cat "$D"/subsystem_vendor "$D"/subsystem_device | xargs)"
assert_eq "driver" nvidia "$(drv_of 0001:00:00.0)"
# Only the stub may bind it (a GPU driver loaded first would otherwise probe it).
assert_eq "driver_override names the stub" nvidia "$(cat "$D"/driver_override)"
assert_eq "current_vgpu_type" 256 "$(cat "$D"/nvidia/current_vgpu_type)"
assert_eq "nvidia/ modes" "-r--r--r-- -rw-r--r--" \
	"$(stat -c %A "$D"/nvidia/* | xargs)"
assert_eq "numa_node" -1 "$(cat "$D"/numa_node)"
assert_eq "no sriov_totalvfs, no virtfn" "" "$(entries "$D" | tr ' ' '\n' | grep -E '^(sriov_|virtfn|physfn)')"
assert_eq "4 KiB config space" 4096 "$(wc -c <"$D"/config | tr -d ' ')"

# Every VF has a group of its own, with its VFIO node.
groups=$(for v in $(fsv_vfs); do group_of "$v"; done | sort -u | wc -l)
assert_eq "4 distinct IOMMU groups" 4 "$groups"

# BARs: sizes of the profile, inside the reserved window.
sizes=$(n=0; while read -r s e _; do
	case $n in 0|2|4) printf '%d ' $((e - s + 1)) ;; esac
	n=$((n + 1))
done <"$D"/resource)
assert_eq "BAR sizes (0, 2, 4)" "16777216 268435456 33554432" "${sizes% }"
if grep -q "fake-sriov-vgpu 0001" /proc/iomem; then
	ok "MMIO window in /proc/iomem"
else
	not_ok "MMIO window in /proc/iomem"
fi
n=$(awk '/fake-sriov-vgpu 0001/ { w = 1; next } w && /^  [0-9a-f]/ && /0001:00:/ { n++ } /^[0-9a-f]/ { w = 0 } END { print n + 0 }' /proc/iomem)
assert_eq "12 BARs claimed inside the window" 12 "$n"

# lspci decodes it cleanly and names it from pci.ids.
out=$(lspci -D -nn -vvv -s 0001:00:00.0)
echo "$out" | sed 's/^/# /' | head -12
case $out in
*"NVIDIA Corporation TU104GL [Tesla T4] [10de:1eb8]"*) ok "lspci names the T4" ;;
*) not_ok "lspci names the T4" ;;
esac
for want in "Subsystem: NVIDIA Corporation TU104GL [Tesla T4] [10de:12a2]" \
	"Region 0: Memory at" "(64-bit, prefetchable) [disabled] [size=256M]" \
	"Capabilities: [60] Power Management version 3" \
	"Capabilities: [78] Express (v2) Endpoint" "LnkSta:	Speed 8GT/s, Width x16" \
	"Kernel driver in use: nvidia"; do
	case $out in
	*"$want"*) ok "lspci -vvv: $want" ;;
	*) not_ok "lspci -vvv: $want" ;;
	esac
done
case $out in
*"<access denied>"* | *"Unknown"*) not_ok "lspci -vvv decodes everything" ;;
*) ok "lspci -vvv decodes everything" ;;
esac

# udev's hwdb names it as on a real host.
if command -v udevadm >/dev/null; then
	u=$(udevadm info "$D")
	case $u in
	*"ID_MODEL_FROM_DATABASE=TU104GL [Tesla T4]"*) ok "udevadm info: hwdb model" ;;
	*) echo "$u" | sed 's/^/# /'; not_ok "udevadm info: hwdb model" ;;
	esac
else
	skip "udevadm info: hwdb model" "no udevadm in the guest"
fi

# The loaded configuration is visible.
P=/sys/module/fake_sriov_vgpu/parameters
assert_eq "parameters show the effective values" "4 256 t4 1 N nvidia" \
	"$(cat $P/num_vfs $P/vgpu_type $P/profile $P/domain $P/strict $P/driver_name | xargs)"
assert_eq "configfs lists the load-time VFs" "load-00.0 load-01.0 load-02.0 load-03.0" \
	"$(entries "$FSV_CFS")"

check "rmmod" rmmod fake_sriov_vgpu
assert_eq "no functions left" 0 "$(fsv_count)"
if grep -q fake-sriov-vgpu /proc/iomem; then not_ok "window released"; else ok "window released"; fi
assert_eq "IOMMU groups back to the count before" "$groups_before" "$(settled "$groups_before" ngroups)"
ktap_finish
