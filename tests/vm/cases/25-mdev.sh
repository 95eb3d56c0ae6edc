#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# mode=mdev: NVIDIA's mediated-device vGPUs (vGPU 16 and earlier), the path
# of KubeVirt's mediatedDevicesConfiguration. A T4 is an mdev parent itself,
# an SR-IOV board's VFs are (one instance each). Types, names and
# descriptions as NVIDIA's; available_instances and one type per GPU;
# create by UUID as KubeVirt writes it (36 characters, no newline) and bad
# UUIDs; KubeVirt's instance-count rule; remove; mdevctl; each instance a
# VFIO device with its own group and a display; unbind/rebind of the parent
# (KubeVirt's hot-plug case) and unbind while an instance is open; domain
# 0000 and bus=; every profile's types; create/remove cycles with a
# concurrent reader; rmmod with instances; a nested guest through QEMU's
# vfio-pci-nohotplug with display=on,ramfb=on.
# On kernels without the mdev API of 6.1+ (5.10, 5.15): the refusal of
# mode=mdev, the other modes still load, and every other result is a SKIP
# naming what the kernel lacks.
# needs: qemu mdevctl
# budget: 240
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

ktap_plan 50
WALK=/usr/libexec/fsv/vfio-walk
PROBE=/usr/libexec/fsv/gpu-probe.elf
QEMU=$(command -v qemu-system-x86_64 || true)
MB=/sys/class/mdev_bus
MD=/sys/bus/mdev/devices
P0=0001:00:00.0
P1=0001:00:01.0
cycles=$((40 * ${FSV_STRESS:-1}))
[ "${FSV_DEBUG_KERNEL:-0}" = 1 ] && cycles=$((8 * ${FSV_STRESS:-1}))

uuid() { cat /proc/sys/kernel/random/uuid; }
# mk PARENT TYPE [UUID]: create an instance as KubeVirt does (no newline).
mk() { printf '%s' "${3:-$(uuid)}" >"$MB/$1/mdev_supported_types/$2/create"; }
avail() { cat "$MB/$1/mdev_supported_types/$2/available_instances"; }
ninst() { _n=0; for _u in "$MD"/*; do [ -e "$_u" ] && _n=$((_n + 1)); done; echo $_n; }
parents() { entries $MB 2>/dev/null; }
first_inst() { for _u in "$MD"/*; do [ -e "$_u" ] && { echo "${_u##*/}"; return; }; done; }
types_of() { entries "$MB/$1/mdev_supported_types"; }
# max_instance= of a type's description.
maxi() { sed -n 's/.*max_instance=\([0-9]*\).*/\1/p' "$MB/$1/mdev_supported_types/$2/description"; }
rm_all() { for _u in "$MD"/*; do [ -e "$_u/remove" ] && echo 1 >"$_u/remove"; done; return 0; }

# Kernels older than 6.1 have other mdev APIs: the module refuses the mode.
if ! kernel_at_least 6.1; then
	check_errno "mode=mdev refused on $KREL" "Operation not supported" fsv_insmod mode=mdev
	if logged "mode=mdev: this kernel lacks mdev_register_parent()"; then
		ok "the refusal names what the kernel lacks"
	else
		not_ok "the refusal names what the kernel lacks" "$(dmesg | grep 'mode=mdev' | tail -n 1)"
	fi
	fsv_load mode=sriov profile=l40s sriov_numvfs=1
	assert_eq "mode=sriov still loads and makes VFs" "$P0 0001:00:00.2" "$(fsv_vfs | xargs)"
	fsv_unload
	i=4
	while [ $i -le 50 ]; do
		skip "mdev result $i" "Linux $KREL has no mdev_register_parent() (the mdev API of 6.1 and later)"
		i=$((i + 1))
	done
	ktap_finish
fi

# 1. Two T4s, each its own mdev parent.
check "load mode=mdev num_pfs=2" fsv_load mode=mdev num_pfs=2
assert_eq "parents bound to nvidia, in /sys/class/mdev_bus" "nvidia nvidia $P0 $P1" \
	"$(drv_of $P0) $(drv_of $P1) $(parents)"
assert_eq "a parent has no nvidia/ and no VFIO device of its own, but an IOMMU group" "no no yes" \
	"$([ -e "$SYSPCI/$P0/nvidia" ] && echo yes || echo no) $([ -e "$SYSPCI/$P0/vfio-dev" ] && echo yes || echo no) $([ -L "$SYSPCI/$P0/iommu_group" ] && echo yes || echo no)"
assert_eq "T4 types: NVIDIA's IDs" \
	"nvidia-222 nvidia-223 nvidia-224 nvidia-225 nvidia-226 nvidia-227 nvidia-228 nvidia-229 nvidia-230 nvidia-231 nvidia-232 nvidia-233 nvidia-234 nvidia-252 nvidia-319 nvidia-320 nvidia-321" \
	"$(types_of $P0)"
names=
for t in 222 223 224 225 226 227 228 229 230 231 232 233 234 252 319 320 321; do
	names="$names$t=$(cat "$MB/$P0/mdev_supported_types/nvidia-$t/name");"
done
assert_eq "T4 type names: NVIDIA's" \
	"222=GRID T4-1B;223=GRID T4-2B;224=GRID T4-2B4;225=GRID T4-1A;226=GRID T4-2A;227=GRID T4-4A;228=GRID T4-8A;229=GRID T4-16A;230=GRID T4-1Q;231=GRID T4-2Q;232=GRID T4-4Q;233=GRID T4-8Q;234=GRID T4-16Q;252=GRID T4-1B4;319=GRID T4-4C;320=GRID T4-8C;321=GRID T4-16C;" \
	"$names"
assert_eq "nvidia-222's description: NVIDIA's format with max_instance=" \
	"num_heads=4, frl_config=45, framebuffer=1024M, max_resolution=5120x2880, max_instance=16" \
	"$(cat "$MB/$P0/mdev_supported_types/nvidia-222/description")"
bad=
for d in "$MB/$P0/mdev_supported_types"/*; do
	t=${d##*/}
	[ "$(cat "$d/device_api")" = vfio-pci ] || bad="$bad $t:device_api"
	[ "$(avail $P0 "$t")" = "$(maxi $P0 "$t")" ] || bad="$bad $t:$(avail $P0 "$t")!=$(maxi $P0 "$t")"
done
assert_eq "every type: device_api vfio-pci, available_instances = max_instance" "" "$bad"

# 2. An instance as KubeVirt creates one.
U=$(uuid)
check "create: 36 characters, no newline" mk $P0 nvidia-222 "$U"
assert_eq "instance: on the mdev bus, type link, the module's mdev driver" \
	"yes nvidia-222 fake-sriov-vgpu" \
	"$([ -d "$MD/$U" ] && echo yes) $(_base "$MD/$U/mdev_type") $(_base "$MD/$U/driver")"
ig=$(_base "$MD/$U/iommu_group")
assert_eq "instance: its own IOMMU group and /dev/vfio node" "yes yes" \
	"$([ -n "$ig" ] && [ "$ig" != "$(group_of $P0)" ] && echo yes) $([ -c "/dev/vfio/$ig" ] && echo yes)"
assert_eq "available_instances falls; the other types show 0 (one type per GPU); the other GPU is untouched" \
	"15 0 0 16 8" "$(avail $P0 nvidia-222) $(avail $P0 nvidia-223) $(avail $P0 nvidia-230) $(avail $P1 nvidia-222) $(avail $P1 nvidia-223)"
n=$(ninst)
# Refusals through echo (busybox's reports the write error; a newline is allowed).
check_errno "another type on the same GPU: EUSERS" "Too many users" wr "$MB/$P0/mdev_supported_types/nvidia-223/create" "$(uuid)"
if logged "the GPU runs nvidia-222"; then ok "the refusal says which type the GPU runs"; else not_ok "the refusal says which type the GPU runs"; fi
C=$MB/$P0/mdev_supported_types/nvidia-222/create
check_errno "malformed UUID: EINVAL" "Invalid argument" wr "$C" "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"
check_errno "too long UUID: EINVAL" "Invalid argument" wr "$C" "${U}00"
check_errno "duplicate UUID: EEXIST" "File exists" wr "$C" "$U"
assert_eq "refused creates leave nothing behind" "$n 15" "$(ninst) $(avail $P0 nvidia-222)"

# 3. The instance through VFIO: config space, BAR0, MSI, reset, display.
modprobe vfio_iommu_type1 2>/dev/null
if out=$($WALK "$U" 2 2>&1); then
	ok "vfio-walk: the instance as QEMU opens it"
else
	echo "$out" | sed 's/^/# /'
	not_ok "vfio-walk: the instance as QEMU opens it"
fi

# 4. KubeVirt's rule: per type, the sum of max_instance= over the parents
# is the number of instances filling available_instances makes.
rm_all
sum=0 made=0
for p in $P0 $P1; do
	sum=$((sum + $(maxi "$p" nvidia-223)))
	k=$(avail "$p" nvidia-223)
	while [ "$k" -gt 0 ]; do mk "$p" nvidia-223 && made=$((made + 1)); k=$((k - 1)); done
done
assert_eq "KubeVirt's count rule: instances made = sum of max_instance (nvidia-223)" "$sum $sum" "$made $(ninst)"
assert_eq "filled: available_instances 0 everywhere" "0 0 0" \
	"$(avail $P0 nvidia-223) $(avail $P1 nvidia-223) $(avail $P1 nvidia-222)"
# The validator walks them as KubeVirt's mediated device plugin does.
VALIDATE=$(command -v fakesriov-validate || true)
cat >/tmp/kv-mdev.yaml <<'EOF2'
apiVersion: kubevirt.io/v1
kind: KubeVirt
metadata:
  name: kubevirt
  namespace: kubevirt
spec:
  configuration:
    mediatedDevicesConfiguration:
      mediatedDeviceTypes:
        - nvidia-223
    permittedHostDevices:
      mediatedDevices:
        - mdevNameSelector: GRID T4-2B
          resourceName: nvidia.com/GRID_T4-2B
EOF2
if [ -z "$VALIDATE" ]; then
	not_ok "fakesriov-validate --path mdev --kubevirt-cr: $sum instances" "no validator in the guest: build it first (make validator)"
elif out=$($VALIDATE --path mdev --kubevirt-cr /tmp/kv-mdev.yaml --expect "$sum" 2>&1); then
	ok "fakesriov-validate --path mdev --kubevirt-cr: $sum instances"
else
	echo "$out" | tail -n 15 | sed 's/^/# /'
	not_ok "fakesriov-validate --path mdev --kubevirt-cr: $sum instances"
fi
one=$(first_inst)
check "remove: echo 1 > remove" wr "$MD/$one/remove" 1
assert_eq "removed: gone, available_instances rises" "no 1" \
	"$([ -e "$MD/$one" ] && echo yes || echo no) $(($(avail $P0 nvidia-223) + $(avail $P1 nvidia-223)))"
rm_all
assert_eq "all removed: every type back to max_instance" "0 16 8 1" \
	"$(ninst) $(avail $P0 nvidia-222) $(avail $P0 nvidia-223) $(avail $P1 nvidia-321)"

# 5. mdevctl (Debian's package) lists, defines, starts and stops them.
if command -v mdevctl >/dev/null; then
	U1=$(uuid) U2=$(uuid)
	check "mdevctl start" mdevctl start -u "$U1" -p $P0 --type nvidia-223
	assert_eq "mdevctl list shows it" 1 "$(mdevctl list 2>/dev/null | grep -c "$U1 $P0 nvidia-223")"
	if mdevctl define -u "$U2" -p $P0 --type nvidia-223 && mdevctl start -u "$U2" &&
		[ "$(mdevctl list --defined 2>/dev/null | grep -c "$U2")" = 1 ] && [ -d "$MD/$U2" ]; then
		ok "mdevctl define + start"
	else
		not_ok "mdevctl define + start" "$(mdevctl list --defined 2>&1 | head -n 3)"
	fi
	if mdevctl stop -u "$U1" && mdevctl stop -u "$U2" && mdevctl undefine -u "$U2" &&
		[ "$(ninst)" = 0 ]; then
		ok "mdevctl stop + undefine"
	else
		not_ok "mdevctl stop + undefine" "$(ninst) instances left"
	fi
else
	not_ok "mdevctl start" "no mdevctl in the guest: the harness copies it for '# needs: mdevctl'"
	skip "mdevctl list shows it" "no mdevctl"
	skip "mdevctl define + start" "no mdevctl"
	skip "mdevctl stop + undefine" "no mdevctl"
fi

# 6. KubeVirt's hot-plug case: unbind the parent, its types and instances
# go; bind it again, they come back and a new instance can be made.
mk $P0 nvidia-222
check "unbind a parent with an instance" wr /sys/bus/pci/drivers/nvidia/unbind $P0
assert_eq "unbound: no types, no instance, not in mdev_bus" "no 0 $P1" \
	"$([ -e "$SYSPCI/$P0/mdev_supported_types" ] && echo yes || echo no) $(ninst) $(parents)"
check "bind it again" wr /sys/bus/pci/drivers/nvidia/bind $P0
if mk $P0 nvidia-222 && [ "$(avail $P0 nvidia-222)" = 15 ]; then
	ok "bound again: types back, a new instance"
else
	not_ok "bound again: types back, a new instance" "$(types_of $P0 | wc -w) types, $(ninst) instances"
fi
# Unbind while a VM (a VFIO holder) has the instance: it waits for it (the
# instance's bus link goes at once; the unbind returns once it is closed).
U=$(first_inst)
$WALK "$U" hold >/tmp/hold 2>&1 &
hp=$!
i=0
while ! grep -q holding /tmp/hold && kill -0 $hp 2>/dev/null && [ $i -lt $((300 * FSV_SLOW)) ]; do sleep 0.1; i=$((i + 1)); done
# The GPU's type is fixed while a VM has an instance, strict mode or not.
check_errno "another type while a VM has an instance: EUSERS" "Too many users" \
	wr "$MB/$P0/mdev_supported_types/nvidia-231/create" "$(uuid)"
(echo $P0 >/sys/bus/pci/drivers/nvidia/unbind) &
up=$!
sleep 1
waiting=$(grep -q holding /tmp/hold && kill -0 $up 2>/dev/null && echo yes || echo no)
kill $hp 2>/dev/null
wait $hp 2>/dev/null
wait $up
assert_eq "unbind while open: waits for the holder, then the instance goes" "yes no" \
	"$waiting $([ -e "$SYSPCI/$P0/$U" ] && echo yes || echo no)"
wr /sys/bus/pci/drivers/nvidia/bind $P0

# 7. rmmod with instances present.
mk $P0 nvidia-224
mk $P1 nvidia-319
check "rmmod with instances present" fsv_unload
assert_eq "nothing left: no instance, no parent" "0 " "$(ninst) $(parents)"

# 8. Domain 0000, where real GPUs are and KubeVirt's hot-plug test looks.
check "mode=mdev domain=0" fsv_load mode=mdev domain=0
d0=$(for d in "$MB"/0000:*; do [ -e "$d" ] && _base "$d"; done)
U=$(uuid)
if [ -n "$d0" ] && mk "$d0" nvidia-230 "$U" && $WALK "$U" >/dev/null 2>&1; then
	ok "domain 0000: parent $d0 (a free bus), an instance works"
else
	not_ok "domain 0000: parent in /sys/class/mdev_bus/0000*" "found '${d0}'"
fi
fsv_unload
# EEXIST; newer kernels (7.x) hand an init's EEXIST to user space as EBUSY.
if fsv_insmod mode=mdev domain=0 bus=0 2>/tmp/err; then
	not_ok "domain=0 bus=0 (the host's bus 00): EEXIST" "it loaded"
	fsv_unload
else
	case $(cat /tmp/err) in
	*"File exists"* | *"Device or resource busy"*) ok "domain=0 bus=0 (the host's bus 00): EEXIST" ;;
	*) not_ok "domain=0 bus=0 (the host's bus 00): EEXIST" "$(cat /tmp/err)" ;;
	esac
fi
if logged "bus=0: bus 0000:00 already exists"; then ok "the refusal names the bus"; else not_ok "the refusal names the bus"; fi
fsv_load mode=sriov profile=l40s domain=0 bus=0x80 sriov_numvfs=1
assert_eq "bus=0x80 in domain 0000 (mode=sriov): PF and VF there" "0000:80:00.0 0000:80:00.2" \
	"$(fsv_vfs_in 0000:80 | xargs)"
fsv_unload

# 9. An SR-IOV board: each VF a parent holding one instance; the PF none.
fsv_load mode=mdev profile=a10 sriov_numvfs=4
V1=0001:00:00.2 V2=0001:00:00.3
assert_eq "A10: the PF has no types; each VF has 23" "no 23 23" \
	"$([ -e "$SYSPCI/$P0/mdev_supported_types" ] && echo yes || echo no) $(types_of $V1 | wc -w) $(types_of $V2 | wc -w)"
assert_eq "A10-8Q on a VF: name, one instance a VF" "NVIDIA A10-8Q 1 1" \
	"$(cat "$MB/$V1/mdev_supported_types/nvidia-595/name") $(maxi $V1 nvidia-595) $(avail $V1 nvidia-595)"
mk $V1 nvidia-595
assert_eq "VF1 used: VF1 0, VF2 1 of the type and 0 of another (one type per GPU)" "0 1 0" \
	"$(avail $V1 nvidia-595) $(avail $V2 nvidia-595) $(avail $V2 nvidia-588)"
for v in "$V2" 0001:00:00.4; do mk "$v" nvidia-595; done
assert_eq "3 A10-8Q fill the GPU (24 GB): the 4th VF shows 0" "3 0" "$(ninst) $(avail 0001:00:00.5 nvidia-595)"
fsv_unload

# 10. Every profile's types: count, device_api, a description with max_instance.
# The sanitizer kernel (a load of eleven GPUs costs a minute there) checks
# three boards, one of each kind of parent and type; the stock kernels all.
got=
sets="t4,a10,a16,a30,a100-40gb,a100-80gb 0,1,1,1,1,1|l4,l40s,rtx6000-ada,h100,h200 1"
want=" 0x1eb8:17:17 0x2236:23:23 0x25b6:15:15 0x20b7:9:9 0x20f1:12:12 0x20b5:13:13 0x27b8:9:9 0x26b9:22:22 0x26b1:10:10 0x2331:6:6 0x2335:6:6"
if ! full_scale; then
	sets="t4,l40s,h100 0,1,1"
	want=" 0x1eb8:17:17 0x26b9:22:22 0x2331:6:6"
fi
IFS='|'
# shellcheck disable=SC2086 # one "profiles numvfs" pair a field
set -- $sets
unset IFS
for set in "$@"; do
	# shellcheck disable=SC2086 # "profiles numvfs": two words on purpose
	set -- $set
	fsv_load mode=mdev profiles="$1" sriov_numvfs="$2"
	# One parent a GPU (the T4 itself, else its one VF), in address order.
	for d in "$MB"/*; do
		a=$(_base "$d")
		nt=$(types_of "$a" | wc -w)
		okd=$(cat "$d"/mdev_supported_types/*/description | grep -c '^num_heads=[0-9]*, frl_config=[0-9]*, framebuffer=[0-9]*M, max_resolution=[0-9]*x[0-9]*, max_instance=[1-9][0-9]*$')
		got="$got $(cat "$SYSPCI/$a/device"):$nt:$okd"
	done
	fsv_unload
done
assert_eq "types per profile (device:types:well-formed descriptions)" "$want" "$got"

# 11. Create/remove cycles with a concurrent reader and writer of the files.
fsv_load mode=mdev num_pfs=1
(while :; do cat "$MB/$P0/mdev_supported_types"/*/available_instances >/dev/null 2>&1; mk $P0 nvidia-230 2>/dev/null; done) &
rp=$!
i=0 bad=''
t0=$(date +%s)
while [ $i -lt "$cycles" ]; do
	U=$(uuid)
	if ! mk $P0 nvidia-230 "$U" 2>/dev/null; then
		# The writer may have taken the last place: free one and go on.
		rm_all
		continue
	fi
	wr "$MD/$U/remove" 1 || bad="$bad remove:$i"
	i=$((i + 1))
done
kill $rp
wait $rp 2>/dev/null
rm_all
t1=$(date +%s)
diag "figures: $cycles create/remove cycles with a concurrent writer in $((t1 - t0)) s"
assert_eq "$cycles create/remove cycles with a concurrent writer: all removes, then 0 instances, 16 available" \
	"0 16" "$(ninst) $(avail $P0 nvidia-230)${bad}"

# 12. A VM: QEMU's vfio-pci-nohotplug (the device libvirt uses for
# ramfb='on') with display=on,ramfb=on; the nested guest finds the T4.
U=$(uuid)
mk $P0 nvidia-222 "$U"
if [ -z "$QEMU" ] || [ ! -e "$PROBE" ]; then
	not_ok "QEMU with the instance, display=on,ramfb=on" "no QEMU or payload in the guest ('# needs: qemu')"
	skip "nested guest: finds 10de:1eb8 and reads BAR0" "no QEMU"
else
	timeout $((150 * FSV_SLOW)) "$QEMU" -machine pc,accel=tcg -nodefaults -display none -m 64 \
		-serial file:/tmp/payload.out -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$PROBE" \
		-device vfio-pci-nohotplug,sysfsdev="$MD/$U",display=on,ramfb=on 2>/tmp/qerr
	prc=$?
	sed 's/^/# guest: /' /tmp/payload.out
	if [ $prc = 1 ] && ! grep -qi 'error' /tmp/qerr; then
		ok "QEMU with the instance, display=on,ramfb=on"
	else
		sed 's/^/# qemu: /' /tmp/qerr
		not_ok "QEMU with the instance, display=on,ramfb=on" "qemu exit $prc"
	fi
	if grep -q "^FSV-PAYLOAD ok vendor:device 0x1eb810de" /tmp/payload.out &&
		grep -q "^FSV-PAYLOAD ok BAR0 RAM keeps a write" /tmp/payload.out; then
		ok "nested guest: finds 10de:1eb8 and reads BAR0"
	else
		not_ok "nested guest: finds 10de:1eb8 and reads BAR0"
	fi
fi
check "rmmod after the VM" fsv_unload
ktap_finish
