#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# A VM starts with a fake vGPU: QEMU's vfio-pci (copied into this guest)
# runs its firmware with a VF assigned (no -S), and a nested guest (the
# multiboot payload tests/vm/payload/gpu-probe.c) finds the VF on its PCI
# bus, reads its config space and reads and writes BAR0. Then two VFs in one
# QEMU, start/quit cycles, QEMU killed mid-start, strict mode's EBUSY while
# a VM has the VF, a VF of an SR-IOV PF in a nested guest, and the VF usable
# and rmmod clean afterwards.
# Needs VFIO's emulated IOMMU (type1 must attach the group): elsewhere
# every result is a SKIP naming the registration the kernel allowed.
# needs: qemu
# budget: 240
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

# The full counts on Debian 12's kernel (the reference, KERNELS name 6.1);
# fewer on the others and on the sanitizer kernel (a start costs 3 s
# there), times FSV_STRESS.
cycles=50 kills=10
case ${FSV_KERNEL:-6.1} in
6.1) ;;
debug) cycles=5 kills=3 ;;
*) cycles=25 kills=10 ;;
esac
cycles=$((cycles * ${FSV_STRESS:-1}))
kills=$((kills * ${FSV_STRESS:-1}))
ktap_plan 20
QEMU=$(command -v qemu-system-x86_64 || true)
PROBE=/usr/libexec/fsv/gpu-probe.elf
WALK=/usr/libexec/fsv/vfio-walk
V=0001:00:00.0
W=0001:00:01.0

fsv_load num_vfs=2
modprobe vfio_iommu_type1 2>/dev/null
reg=$(dmesg | sed -n 's/.*fake_sriov_vgpu: domain .* vfio=[a-z]* (\(.*\))$/\1/p' | tail -n 1)
diag "VFIO registration: ${reg:-not in the kernel log}"
why=
if [ -z "$QEMU" ] || [ ! -e "$PROBE" ]; then
	why="no QEMU or no payload in the guest"
	# The harness copies both whenever a case says "# needs: qemu".
	not_ok "QEMU and the payload are in the guest" "$why"
elif [ "$reg" != "emulated IOMMU" ]; then
	why="no emulated-IOMMU VFIO on this kernel ($reg): type1 cannot attach the group"
	skip "QEMU and the payload are in the guest" "$why"
else
	ok "QEMU and the payload are in the guest"
fi
if [ -n "$why" ]; then
	for t in "firmware assigns BAR0" "QEMU's stderr has no vfio error" \
		"nested guest: finds the VF" "nested guest: config space" \
		"nested guest: BAR0 ID register" "nested guest: BAR0 RAM" \
		"nested guest: beyond BAR0 RAM reads 0" "nested guest exits cleanly" \
		"two VFs in one QEMU" "$cycles start/quit cycles" "$kills kills mid-start" \
		"the VF works after the kills" "strict: type change is EBUSY while a VM has the VF" \
		"strict: the type changes once the VM is gone" \
		"SR-IOV VF: the nested guest finds 10de:26b9" "SR-IOV VF: BAR0 RAM" \
		"SR-IOV VF: its PF disables it after the VM" "no vfio error in the kernel log"; do
		skip "$t" "$why"
	done
	check "rmmod" rmmod fake_sriov_vgpu
	ktap_finish
fi

# q ARGS...: QEMU for a VM with no disk, no display, no network.
q() { "$QEMU" -machine pc,accel=tcg -nodefaults -display none -m 64 "$@"; }
# bar0 FILE: "size address" of the first 10de function's BAR0 in a
# query-pci answer (address -1 until the firmware assigns one).
bar0() {
	sed 's/{"irq_pin"/\n&/g' "$1" | grep '"vendor": 4318' | head -n 1 |
		sed -n 's/.*"bar": 0, "size": \([0-9]*\), "address": \(-\{0,1\}[0-9]*\).*/\1 \2/p'
}
dmesg_mark vm-case

# 1. Firmware: SeaBIOS sizes and places BAR0, then finds nothing to boot.
rm -f /tmp/qin /tmp/qout
mkfifo /tmp/qin
q -qmp stdio -device vfio-pci,host=$V </tmp/qin >/tmp/qout 2>/tmp/qerr &
qp=$!
exec 3>/tmp/qin
echo '{"execute":"qmp_capabilities"}' >&3
addr=
i=0
while [ $i -lt $((30 * FSV_SLOW)) ] && kill -0 $qp 2>/dev/null; do
	echo '{"execute":"query-pci"}' >&3
	sleep 1
	tail -n 1 /tmp/qout >/tmp/qlast
	# shellcheck disable=SC2046 # "size address": two words on purpose
	set -- $(bar0 /tmp/qlast)
	if [ "${2:--1}" != -1 ] && [ "${2:-0}" != 0 ]; then
		addr=$2
		break
	fi
	i=$((i + 1))
done
echo '{"execute":"quit"}' >&3
exec 3>&-
wait $qp
qrc=$?
if [ -n "$addr" ] && [ $((addr % $1)) = 0 ]; then
	ok "firmware assigns BAR0 (size $1 at $(printf '0x%x' "$addr"), after ${i} s)"
else
	sed 's/^/# qemu: /' /tmp/qerr
	tail -c 600 /tmp/qout | sed 's/^/# qmp: /'
	not_ok "firmware assigns BAR0" "no address after $i s (qemu exit $qrc)"
fi
if grep -qi vfio /tmp/qerr; then
	sed 's/^/# qemu: /' /tmp/qerr
	not_ok "QEMU's stderr has no vfio error"
else
	ok "QEMU's stderr has no vfio error"
fi

# 2. A nested guest uses the VF; the payload's exit status is 1 + 2 * failures.
timeout $((120 * FSV_SLOW)) "$QEMU" -machine pc,accel=tcg -nodefaults -display none -m 64 \
	-serial file:/tmp/payload.out -device isa-debug-exit,iobase=0xf4,iosize=4 \
	-kernel "$PROBE" -device vfio-pci,host=$V 2>/tmp/qerr
prc=$?
sed 's/^/# guest: /' /tmp/payload.out
pl() { # NAME PATTERN: a result from the payload's own line
	if grep -q "^FSV-PAYLOAD ok $2" /tmp/payload.out; then ok "$1"; else not_ok "$1" "$(grep -m1 "$2" /tmp/payload.out)"; fi
}
if grep -q "^FSV-PAYLOAD found" /tmp/payload.out && grep -q "^FSV-PAYLOAD ok vendor:device 0x1eb810de" /tmp/payload.out; then
	ok "nested guest: finds the VF ($(sed -n 's/^FSV-PAYLOAD found //p' /tmp/payload.out))"
else
	not_ok "nested guest: finds the VF"
fi
if grep -q "^FSV-PAYLOAD ok class" /tmp/payload.out && grep -q "^FSV-PAYLOAD ok subsystem" /tmp/payload.out; then
	ok "nested guest: config space"
else
	not_ok "nested guest: config space"
fi
pl "nested guest: BAR0 ID register" "BAR0\[0\] is the function's ID"
pl "nested guest: BAR0 RAM" "BAR0 RAM keeps a write"
pl "nested guest: beyond BAR0 RAM reads 0" "BAR0 beyond its RAM reads 0"
if [ $prc = 1 ] && grep -q "^FSV-PAYLOAD done 00" /tmp/payload.out && ! grep -qi vfio /tmp/qerr; then
	ok "nested guest exits cleanly"
else
	sed 's/^/# qemu: /' /tmp/qerr
	not_ok "nested guest exits cleanly" "qemu exit $prc"
fi

# 3. Two VFs in one VM.
{ echo '{"execute":"qmp_capabilities"}'; echo '{"execute":"query-pci"}'; sleep 1; echo '{"execute":"quit"}'; } |
	q -S -qmp stdio -device vfio-pci,host=$V -device vfio-pci,host=$W >/tmp/qout 2>/tmp/qerr
n=$(sed 's/{"irq_pin"/\n&/g' /tmp/qout | grep -c '"vendor": 4318')
if [ "$n" = 2 ] && ! grep -qi vfio /tmp/qerr; then ok "two VFs in one QEMU"; else sed 's/^/# qemu: /' /tmp/qerr; not_ok "two VFs in one QEMU" "$n found"; fi

# 4. Start/quit cycles.
i=0 bad=
while [ $i -lt $cycles ]; do
	if ! { echo '{"execute":"qmp_capabilities"}'; echo '{"execute":"quit"}'; } |
		q -S -qmp stdio -device vfio-pci,host=$V >/dev/null 2>/tmp/qerr || grep -qi vfio /tmp/qerr; then
		bad="cycle $i: $(head -n 2 /tmp/qerr)"
		break
	fi
	i=$((i + 1))
done
if [ -z "$bad" ]; then ok "$cycles start/quit cycles"; else not_ok "$cycles start/quit cycles" "$bad"; fi

# 5. SIGKILL at staggered moments of the start (realize, firmware). Each
# QEMU must still be running when the signal comes (exit status 137).
i=0 early=
while [ $i -lt $kills ]; do
	# QEMU itself, not the q function: a killed subshell leaves its child.
	"$QEMU" -machine pc,accel=tcg -nodefaults -display none -m 64 \
		-device vfio-pci,host=$V >/dev/null 2>/tmp/qerr &
	kp=$!
	sleep "0.$(( (i * 37) % 10 ))$(( (i * 13) % 10 ))"
	kill -9 $kp 2>/dev/null
	wait $kp 2>/dev/null
	krc=$?
	[ $krc = 137 ] || early="$early $i:exit$krc"
	i=$((i + 1))
done
if [ -z "$early" ]; then
	ok "$kills kills mid-start"
else
	sed 's/^/# qemu: /' /tmp/qerr
	not_ok "$kills kills mid-start" "QEMU was not running at the kill:$early"
fi
if out=$($WALK $V 1 2>&1) && [ "$(drv_of $V)" = nvidia ]; then
	ok "the VF works after the kills"
else
	echo "$out" | sed 's/^/# /'
	not_ok "the VF works after the kills"
fi
fsv_unload

# 6. Strict mode: the type is fixed while a VM holds the VF.
fsv_load num_vfs=1 strict=1 vgpu_type=256
$WALK $V hold >/tmp/hold 2>&1 &
hp=$!
i=0
while ! grep -q holding /tmp/hold && kill -0 $hp 2>/dev/null && [ $i -lt $((300 * FSV_SLOW)) ]; do sleep 0.1; i=$((i + 1)); done
T=$SYSPCI/$V/nvidia/current_vgpu_type
if grep -q holding /tmp/hold; then
	check_errno "strict: type change is EBUSY while a VM has the VF" "Device or resource busy" wr "$T" 0
else
	sed 's/^/# /' /tmp/hold
	not_ok "strict: type change is EBUSY while a VM has the VF" "the holder could not open the VF"
fi
kill $hp
wait $hp 2>/dev/null
check "strict: the type changes once the VM is gone" wr "$T" 0

# 7. A VF of an SR-IOV PF: the VM sees its real IDs (they read all-ones on
# the host's bus, as a VF's do) and its BAR0 out of the PF's VF BARs.
fsv_unload
fsv_load mode=sriov profile=l40s sriov_numvfs=1
SV=0001:00:00.2
timeout $((120 * FSV_SLOW)) "$QEMU" -machine pc,accel=tcg -nodefaults -display none -m 64 \
	-serial file:/tmp/payload.out -device isa-debug-exit,iobase=0xf4,iosize=4 \
	-kernel "$PROBE" -device vfio-pci,host=$SV 2>/tmp/qerr
sed 's/^/# guest: /' /tmp/payload.out
if grep -q "^FSV-PAYLOAD ok vendor:device 0x26b910de" /tmp/payload.out; then
	ok "SR-IOV VF: the nested guest finds 10de:26b9"
else
	sed 's/^/# qemu: /' /tmp/qerr
	not_ok "SR-IOV VF: the nested guest finds 10de:26b9"
fi
pl "SR-IOV VF: BAR0 RAM" "BAR0 RAM keeps a write"
check "SR-IOV VF: its PF disables it after the VM" wr "$SYSPCI/0001:00:00.0/sriov_numvfs" 0
if dmesg_since vm-case | grep -i vfio | grep -Eqi 'error|fail'; then
	dmesg_since vm-case | grep -i vfio | sed 's/^/# /'
	not_ok "no vfio error in the kernel log"
else
	ok "no vfio error in the kernel log"
fi
check "rmmod" rmmod fake_sriov_vgpu
ktap_finish
