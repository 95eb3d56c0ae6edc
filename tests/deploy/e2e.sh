# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# The end-to-end part of tests/sections/deploy (sourced; uses its variables
# top, here, cache, work, version, tag, archive and tests/packaging/lib.sh).
# The packaging test's cached Debian 12 systemd image plus podman and dbus (cached
# once as $FSV_CACHE/images/deploy-podman-vN/rootfs.tar) becomes a node: the
# image's own `fsv-node build` builds the module for that node's kernel on the
# host (buildah run, the node's /lib/modules and /usr/src mounted as the
# DaemonSet mounts them) into the node's build cache, then the node boots
# under QEMU and tests/deploy/guest/fsv-deploy-e2e runs the pods with podman.

readonly PODMAN_IMAGE_VERSION=2 E2E_NUM_VFS=3 E2E_VGPU_TYPE=256
# Set by tests/sections/deploy before it sources this file.
# shellcheck disable=SC2154 # assigned in the sourcing script
: "${top:?}" "${here:?}" "${cache:?}" "${work:?}" "${version:?}" "${tag:?}" "${archive:?}"

# The guest checks' names, in order, from the guest script itself.
e2e_names() {
	sed -n 's/^t "\(.*\)" [a-z_]*$/\1/p' "$here/guest/fsv-deploy-e2e"
}

# Prints the cached rootfs tar of the systemd image with podman, building it
# once (under flock) from the packaging test's image.
podman_tree() {
	local base=$1 d=$cache/images/deploy-podman-v$PODMAN_IMAGE_VERSION tmp src
	mkdir -p "$cache/images"
	exec 7>"$cache/images/.deploy-podman.lock"
	flock 7
	if [ ! -f "$d/done" ]; then
		tmp=$d.tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp/root"
		tar -xf "$base/rootfs.tar" -C "$tmp/root" --numeric-owner || return 1
		# The image carries no apt sources (the guest is offline): lend it the host's.
		while read -r src; do
			cp "$src" "$tmp/root/etc/apt/sources.list.d/host-${src##*/}"
		done < <("$top/scripts/host-apt-sources")
		in_root "$tmp/root" 'set -e
			apt-get update -qq -o Acquire::Languages=none
			apt-get install -y -q --no-install-recommends podman crun conmon containernetworking-plugins dbus >/dev/null
			apt-get clean
			rm -f /etc/apt/sources.list.d/host-*
			rm -rf /var/lib/apt/lists/*
			podman --version' >&2 || return 1
		tar -C "$tmp/root" --numeric-owner -cf "$tmp/rootfs.tar" . || return 1
		rm -rf "$tmp/root"
		touch "$tmp/done"
		rm -rf "$d"
		mv "$tmp" "$d"
	fi
	exec 7>&-
	printf '%s\n' "$d/rootfs.tar"
}

# The image's own build step, run on the host with the node's trees mounted.
prebuild() {
	local c rc=0
	c=$(buildah from --pull-never "$tag") || return 1
	buildah run --isolation chroot \
		-v "$root/lib/modules:/lib/modules:ro" -v "$root/usr/src:/usr/src:ro" -v "$root/usr/lib:/host/usr/lib:ro" \
		-v "$root/var/lib/fake-sriov-vgpu:/var/lib/fake-sriov-vgpu" \
		--env "KREL=$krel" "$c" -- fsv-node build || rc=$?
	buildah rm "$c" >/dev/null
	[ "$rc" = 0 ] || return 1
	ls "$root/var/lib/fake-sriov-vgpu/dkms/fake-sriov-vgpu/$version/$krel"/*/module/fake-sriov-vgpu.ko* ||
		{ echo "no module in the build cache"; return 1; }
	modinfo -F vermagic "$root/var/lib/fake-sriov-vgpu/dkms/fake-sriov-vgpu/$version/$krel"/*/module/fake-sriov-vgpu.ko* |
		grep -q "^$krel " || { echo "built for another kernel"; return 1; }
}

e2e_prepare() {
	local tar
	tar=$(podman_tree "$image") || return 1
	root=$work/root
	rm -rf "$root" && mkdir -p "$root" && tar -xf "$tar" -C "$root" --numeric-owner || return 1
	mkdir -p "$root/var/lib/fake-sriov-vgpu" "$root/var/cache/fsv"
	# The fake VFs carry NVIDIA IDs, which nouveau matches (docs/deploy.md).
	printf 'blacklist nouveau\n' >"$root/etc/modprobe.d/fsv-no-nouveau.conf"
}

# podman load of the archive into the node's own container storage, done on
# the host: the same load under TCG takes about 5 minutes. The libpod database
# (which records the host's paths) is left for the node's podman to create.
e2e_install_guest() {
	local st=$root/var/lib/containers/storage run=$work/podman-run
	rm -rf "$st" "$run"
	mkdir -p "$st" "$run"
	podman --root "$st" --runroot "$run" --storage-driver overlay load -q -i "$archive" || return 1
	rm -rf "$st/libpod" "$run"
	install -m 0755 "$here/guest/fsv-deploy-e2e" "$root/usr/local/sbin/fsv-deploy-e2e" &&
		install -m 0644 "$here/guest/fsv-deploy-e2e.service" "$root/etc/systemd/system/fsv-deploy-e2e.service" &&
		printf 'VERSION=%s\nNUM_VFS=%s\nVGPU_TYPE=%s\nTAG=%s\n' "$version" "$E2E_NUM_VFS" \
			"$E2E_VGPU_TYPE" "$tag" >"$root/etc/fsv-deploy-e2e.conf" &&
		in_root "$root" 'systemctl enable fsv-deploy-e2e.service' >/dev/null
}

# Boots the node and turns the guest's KTAP into this section's results; a
# check the guest never reported fails.
e2e_boot() {
	local ktap rc=0 i=0 name line
	ktap=$(boot_tree "$root" "$image" "$work/disk.raw" "$work/console.log" 6G /var/lib/fsv-e2e/result 900 2>>"$FSV_LOG") || rc=$?
	printf '%s\n' "$ktap" >>"$FSV_LOG"
	printf '%s\n' "$ktap" | grep '^#' | tail -n 40 || true
	while IFS= read -r name; do
		i=$((i + 1))
		line=$(grep -E -m 1 "^(not )?ok $i " <<<"$ktap" || true)
		case $line in
		"ok $i "*) ok "guest: $name" ;;
		"not ok $i "*) not_ok "guest: $name" "${line#*# }" ;;
		*) not_ok "guest: $name" "no result from the guest (stopped early; console $work/console.log, qemu: $rc)" ;;
		esac
	done < <(e2e_names)
	if grep -q "^done $i\$" <<<"$ktap"; then
		ok "guest: all checks ran"
	else
		not_ok "guest: all checks ran" "the guest did not finish ('done $i' missing)"
	fi
}

e2e_main() {
	local image krel root t0=$SECONDS n
	if ! image=$("$top/tests/packaging/build-image" --print); then
		e2e_skip "the Debian test image is not cached (tests/packaging/build-image, or make check-packages-full, builds it)"
		return 0
	fi
	krel=$(cat "$image/krel")
	if ! check "e2e: node tree with podman (cached) for $krel" e2e_prepare; then
		e2e_skip "the node tree could not be made (see $FSV_LOG)" 1
		return 0
	fi
	diag "node tree ready in $((SECONDS - t0)) s"
	if ! check "e2e: fsv-node build in the image builds for the node's kernel ($krel)" prebuild; then
		e2e_skip "the module did not build" 2
		return 0
	fi
	if ! check "e2e: image podman-loaded into the node's storage, guest checks installed" e2e_install_guest; then
		e2e_skip "the guest could not be prepared" 3
		return 0
	fi
	e2e_boot
	n=$(e2e_names | wc -l)
	diag "end-to-end ($n guest checks) took $((SECONDS - t0)) s"
	[ "${FSV_DEPLOY_KEEP:-0}" = 1 ] || rm -rf "$root"
}

# e2e_skip REASON [DONE]: SKIP every end-to-end result after the first DONE.
e2e_skip() {
	local done=${2:-0} i=0 name
	for name in "e2e: node tree with podman (cached)" \
		"e2e: fsv-node build in the image builds for the node's kernel" \
		"e2e: image podman-loaded into the node's storage, guest checks installed"; do
		i=$((i + 1))
		[ "$i" -le "$done" ] || skip "$name" "$1"
	done
	while IFS= read -r name; do skip "guest: $name" "$1"; done < <(e2e_names)
	skip "guest: all checks ran" "$1"
}
