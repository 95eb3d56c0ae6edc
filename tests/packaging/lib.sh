# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# Helpers for tests/packaging/run and tests/sections/deploy: KTAP output
# (tests/lib/ktap.sh), have/missing (installed tools), running commands inside
# a Debian system tree (a chroot in a private mount namespace: nothing leaks
# to the host, and the mounts vanish with the process) and booting one.

# KTAP output (ok, not_ok, skip, check, diag): the shared host-side library.
# Here a not_ok without a reason says "# failed".
# shellcheck source=tests/lib/ktap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/ktap.sh"
KTAP_DEFAULT_REASON=failed

have() { command -v "$1" >/dev/null 2>&1; }
# missing TOOL...: print the TOOLs not installed; false when none is missing.
missing() {
	local t m=()
	for t in "$@"; do have "$t" || m+=("$t"); done
	[ ${#m[@]} -eq 0 ] && return 1
	printf '%s' "${m[*]}"
}

# in_root DIR CMD...: run CMD (a shell command string) inside DIR.
in_root() {
	local root=$1
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	host_in_ns "$root" bash -c '
		set -e
		mount -t tmpfs tmpfs "$1/tmp"
		exec chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 HOME=/root /bin/bash -c "$2"
	' in_root "$root" "$*"
}

# host_in_ns DIR CMD...: run a host command (rpm --root) with DIR's /dev and
# /proc mounted, as the scriptlets it runs in DIR need them.
host_in_ns() {
	local root=$1
	shift
	# shellcheck disable=SC2016 # the script is expanded by bash -c, not here
	unshare --mount --fork --propagation private -- bash -c '
		set -e
		r=$1; shift
		mount --bind /dev "$r/dev"
		mount -t proc proc "$r/proc"
		mount -t tmpfs tmpfs "$r/run"
		"$@"
	' host_in_ns "$root" "$@"
}

# boot_tree ROOT IMAGE_DIR DISK CONSOLE SIZE RESULT TIMEOUT: make an ext4 disk
# of SIZE from the tree ROOT (mkfs.ext4 -d, no loop mount), boot it under QEMU
# TCG with IMAGE_DIR's vmlinuz and initrd.img (systemd, as on a real node) and
# print the guest's KTAP: the "FSV: " lines of the file RESULT on the disk,
# read back with debugfs, or of the serial console (CONSOLE) when the file has
# none. The guest powers itself off; TIMEOUT seconds at most. Returns 1 (with
# the console's tail) when no result came back. The disk is removed.
boot_tree() {
	local root=$1 image=$2 img=$3 out=$4 size=$5 result=$6 limit=$7 rc=0 ktap t0=$SECONDS
	rm -f "$img"
	mkfs.ext4 -q -F -L root -d "$root" "$img" "$size" >&2 || return 1
	timeout "$limit" qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 1 -m 1536 \
		-nographic -no-reboot -nic none -monitor none -serial "file:$out" \
		-kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.show_status=0 loglevel=4" \
		-drive "file=$img,if=virtio,format=raw" >/dev/null 2>&1 || rc=$?
	diag "guest boot + checks took $((SECONDS - t0)) s (qemu rc $rc)" >&2
	# The result file, read without mounting; the console is the fallback.
	ktap=$(debugfs -R "cat $result" "$img" 2>/dev/null | sed -n 's/^FSV: //p')
	[ -n "$ktap" ] || ktap=$(tr -d '\r' <"$out" | sed -n 's/^.*FSV: //p')
	rm -f "$img"
	[ -n "$ktap" ] || {
		tail -n 30 "$out" >&2
		echo "no result from the guest (qemu rc $rc)" >&2
		return 1
	}
	printf '%s\n' "$ktap"
}
