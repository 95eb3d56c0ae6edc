#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Smoke test of the VM harness: the guest booted, the module is installed
# where modprobe finds it, loads with no VFs and unloads again.
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh

ktap_plan 5
assert_eq "kernel release" "$KREL" "$(uname -r)"
if [ -e "/lib/modules/$KREL/extra/fake-sriov-vgpu.ko" ]; then
	ok "module installed in extra/"
else
	not_ok "module installed in extra/" "no /lib/modules/$KREL/extra/fake-sriov-vgpu.ko"
fi
check "modprobe fake_sriov_vgpu num_vfs=0" modprobe fake_sriov_vgpu num_vfs=0
if wait_for_path /sys/module/fake_sriov_vgpu 5; then
	ok "module is live"
else
	not_ok "module is live" "/sys/module/fake_sriov_vgpu missing"
fi
check "modprobe -r fake_sriov_vgpu" modprobe -r fake_sriov_vgpu
ktap_finish
