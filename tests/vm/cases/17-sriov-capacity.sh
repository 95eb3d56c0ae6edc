#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# SR-IOV mode: one GPU's capacity shared by the VFs of its PF (strict=1):
# time-sliced vGPUs of one framebuffer size, as many as the framebuffer
# holds; MIG-backed vGPUs within the compute slices; NVIDIA's errnos; the
# vgpu_type= of the VFs enabled at load counted against it (ENOSPC). Lenient mode
# keeps each VF's whole catalogue. Then discovery: the PF skipped and the
# VFs with a type found by both KubeVirt rule sets and the validator; and
# every SR-IOV profile's PF and VF as lspci -nn names them (pci.ids, or
# udev's hwdb for boards newer than pci.ids).
# budget: 120
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh
# shellcheck source=tests/vm/guest/fsv.sh
. /tests/fsv.sh

PROFILES="a10:2236:24 a16:25b6:16 a30:20b7:16 a100-40gb:20f1:20 a100-80gb:20b5:20 l4:27b8:24 l40s:26b9:32 rtx6000-ada:26b1:32 h100:2331:32 h200:2335:32"
ktap_plan $((35 + $(echo "$PROFILES" | wc -w)))
PF=$SYSPCI/0001:00:00.0
VALIDATE=$(command -v fakesriov-validate || true)

vf() { echo "$SYSPCI/0001:00:00.$(($1 + 2))/nvidia"; }
# types N: the IDs creatable_vgpu_types of VF N lists, on one line.
types() { tail -n +2 "$(vf "$1")/creatable_vgpu_types" | sed 's/ *:.*//' | xargs; }

# Time-sliced, L40S (48 GB).
fsv_load mode=sriov profile=l40s strict=1 sriov_numvfs=4
assert_eq "every VF lists the whole catalogue (22 types)" "22 22 22 22" \
	"$(for i in 0 1 2 3; do types $i | wc -w; done | xargs)"
check "VF0: 1155 (L40S-24Q)" wr "$(vf 0)/current_vgpu_type" 1155
assert_eq "VF0 lists nothing once it has a type" "" "$(types 0)"
assert_eq "siblings list the 24 GB types only (one more fits)" "1155 1165" "$(types 1)"
check_errno "VF1: 1150 (4Q, another size) is EIO" "Input/output error" wr "$(vf 1)/current_vgpu_type" 1150
check "VF1: 1165 (L40S-24A, the same size)" wr "$(vf 1)/current_vgpu_type" 1165
assert_eq "a full GPU lists only the header" "ID    : vGPU Name" "$(cat "$(vf 2)/creatable_vgpu_types")"
check_errno "VF2: 1155 on a full GPU is EIO" "Input/output error" wr "$(vf 2)/current_vgpu_type" 1155
check_errno "VF2: clearing an unset type is EPERM" "Operation not permitted" wr "$(vf 2)/current_vgpu_type" 0
check_errno "VF0: replacing a set type is EPERM" "Operation not permitted" wr "$(vf 0)/current_vgpu_type" 1156
check "VF0: 0 clears" wr "$(vf 0)/current_vgpu_type" 0
assert_eq "room again for one 24 GB vGPU" "1155 1165" "$(types 2)"
check "VF1: 0 clears" wr "$(vf 1)/current_vgpu_type" 0
assert_eq "an empty GPU: every size again" 22 "$(types 2 | wc -w)"
check "VF2: 1147 (1Q)" wr "$(vf 2)/current_vgpu_type" 1147
assert_eq "1 GB types for the others (1B, 1Q, 1A)" "1145 1147 1157" "$(types 3)"
check_errno "VF3: unparsable is EINVAL" "Invalid argument" wr "$(vf 3)/current_vgpu_type" 11x
check "disable" wr "$PF/sriov_numvfs" 0
check "enable 4 again" wr "$PF/sriov_numvfs" 4
assert_eq "re-enabled VFs: no types, the whole catalogue" "0 22" \
	"$(cat "$(vf 2)/current_vgpu_type") $(types 3 | wc -w)"
fsv_unload

# The load-time type of VFs enabled at load counts too: two 24Q fit, three
# do not (the load fails). VFs enabled later start with none.
check "load: vgpu_type=1155 sriov_numvfs=2" fsv_load mode=sriov profile=l40s strict=1 vgpu_type=1155 sriov_numvfs=2
assert_eq "both VFs start with 1155" "1155 1155" "$(cat "$(vf 0)/current_vgpu_type" "$(vf 1)/current_vgpu_type" | xargs)"
wr "$PF/sriov_numvfs" 0
check "then 3 VFs through sriov_numvfs" wr "$PF/sriov_numvfs" 3
assert_eq "VFs enabled at run time start with no type" "0 0 0" "$(for i in 0 1 2; do cat "$(vf $i)/current_vgpu_type"; done | xargs)"
fsv_unload
check_errno "load: 3 VFs of 24Q do not fit: ENOSPC" "No space left on device" \
	fsv_load mode=sriov profile=l40s strict=1 vgpu_type=1155 sriov_numvfs=3
if logged "only 2 vGPUs of type 1155 fit on one L40S" && [ ! -d /sys/module/fake_sriov_vgpu ]; then
	ok "ENOSPC is explained in the log, nothing loaded"
else
	not_ok "ENOSPC is explained in the log, nothing loaded"
fi

# MIG-backed, A100 40GB (7 compute slices).
fsv_load mode=sriov profile=a100-40gb strict=1 sriov_numvfs=3
check "VF0: 470 (A100-3-20C, 3 slices)" wr "$(vf 0)/current_vgpu_type" 470
assert_eq "MIG types of up to 4 slices left, no time-sliced" "468 469 470 471" "$(types 1)"
check "VF1: 471 (A100-4-20C, 4 slices)" wr "$(vf 1)/current_vgpu_type" 471
assert_eq "7 of 7 slices used: nothing left" "" "$(types 2)"
fsv_unload

# Lenient: every VF keeps its own catalogue.
fsv_load mode=sriov profile=l40s sriov_numvfs=2
wr "$(vf 0)/current_vgpu_type" 1156
assert_eq "lenient: a sibling of a 48Q still lists 22 types" 22 "$(types 1 | wc -w)"

# Discovery: 2 VFs, one with a type; the PF and the typeless VF skipped.
SEL=10de:26b9
assert_eq "KubeVirt v1.9 rules: the VF with a type only" "0001:00:00.2" "$(kv_discover $SEL | cut -d' ' -f1 | xargs)"
assert_eq "PR 16710 rules: the VF with a type only" "0001:00:00.2" "$(pr_discover $SEL | cut -d' ' -f1 | xargs)"
if [ -z "$VALIDATE" ]; then
	not_ok "fakesriov-validate --rules kubevirt-main --expect 1" "no validator in the guest: build it first (make validator)"
	not_ok "fakesriov-validate --rules pr16710 --expect 1" "no validator in the guest: build it first (make validator)"
else
	for r in kubevirt-main pr16710; do
		if out=$("$VALIDATE" --rules $r --selector $SEL --expect 1 2>&1); then
			ok "fakesriov-validate --rules $r --expect 1"
		else
			echo "$out" | sed 's/^/# /'
			not_ok "fakesriov-validate --rules $r --expect 1"
		fi
	done
fi
fsv_unload

# Every SR-IOV profile: TotalVFs, and lspci -nn's name of PF and VF.
IDS=/usr/share/misc/pci.ids
for e in $PROFILES; do
	p=${e%%:*} rest=${e#*:}
	dev=${rest%%:*} total=${rest#*:}
	# Sanitizer kernel (a load with VFs costs 15 s there): three boards.
	if ! full_scale; then
		case $p in l40s | a100-40gb | h200) ;; *)
			skip "$p: TotalVFs $total, lspci -nn [10de:$dev] on PF and VF" "sanitizer kernel: l40s, a100-40gb and h200 only (every board on the stock kernels)"
			continue ;;
		esac
	fi
	name=$(awk -v d="$dev" '/^10de/ { v = 1; next } /^[0-9a-f]/ { v = 0 } v && $1 == d { sub(/^\t[0-9a-f]+  /, ""); print; exit }' $IDS 2>/dev/null)
	# Not in pci.ids: lspci names it from udev's hwdb (newer), so does this.
	if [ -z "$name" ] && command -v udevadm >/dev/null; then
		name=$(udevadm hwdb --test="pci:v000010DEd0000$(echo "$dev" | tr '[:lower:]' '[:upper:]')" 2>/dev/null |
			sed -n 's/^ID_MODEL_FROM_DATABASE=//p')
	fi
	bad=
	if ! fsv_load mode=sriov profile="$p" sriov_numvfs=1; then
		not_ok "$p: PF and VF" "load failed"
		continue
	fi
	[ "$(cat "$PF/sriov_totalvfs")" = "$total" ] || bad="$bad totalvfs=$(cat "$PF/sriov_totalvfs")"
	vfa=$(_base "$PF/virtfn0")
	for a in 0001:00:00.0 "$vfa"; do
		l=$(lspci -nn -s "$a")
		case $l in *"[10de:$dev]"*) ;; *) bad="$bad $a:ids" ;; esac
		if [ -n "$name" ]; then
			case $l in *"$name"*) ;; *) bad="$bad $a:name" ;; esac
		fi
	done
	[ -n "$name" ] || diag "$p: 10de:$dev is in neither pci.ids nor the hwdb; lspci says: $(lspci -nn -s 0001:00:00.0)"
	assert_eq "$p: TotalVFs $total, lspci -nn [10de:$dev]${name:+ $name} on PF and VF" "" "$bad"
	fsv_unload
done
