# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# The end-to-end part of tests/packaging/run (sourced; uses its variables).
# One scratch tree, $work/root, unpacked from the cached image, goes through:
# apt install -> headers missing -> failing build -> new kernel -> 5.15 LTS
# kernel -> upgrade ->
# boot under QEMU -> remove -> purge -> rpm install -> rpm upgrade -> rpm erase.

readonly E2E_NUM_VFS=5 E2E_VGPU_TYPE=256
# Set by tests/packaging/run before it sources this file.
# shellcheck disable=SC2154 # assigned in the sourcing script
: "${version:?}" "${version2:?}" "${here:?}" "${work:?}" "${pk1:?}" "${pk2:?}" "${e2e_names[0]:?}"

# A command string run inside the tree (set -e; output to the log).
R() { in_root "$root" "set -euo pipefail; $*"; }

leftovers() {
	# shellcheck disable=SC2016 # expanded inside the tree, by R
	R '
	ls -d /usr/src/fake-sriov-vgpu* /var/lib/dkms/fake-sriov-vgpu /lib/modules/*/updates/dkms/fake-sriov-vgpu.ko* \
		/lib/modules/*/extra/fake-sriov-vgpu.ko* /etc/modprobe.d/fake-sriov-vgpu.conf \
		/etc/modules-load.d/fake-sriov-vgpu.conf /etc/default/fakesriov-validate \
		/usr/lib/systemd/system/fakesriov-validate.service /etc/systemd/system/*/fakesriov-validate.service \
		/usr/lib/udev/rules.d/70-fake-sriov-vgpu.rules /usr/libexec/fake-sriov-vgpu \
		/usr/bin/fakesriov-validate /usr/sbin/setup-fake-sriov.sh /usr/lib/fake-sriov-vgpu \
		/usr/lib/nvidia/sriov-manage /etc/alternatives/sriov-manage 2>/dev/null || true
	dkms status fake-sriov-vgpu
	grep -l fake-sriov-vgpu /lib/modules/*/modules.dep 2>/dev/null || true
	if command -v dpkg-query >/dev/null; then dpkg-query -W -f "\${db:Status-Abbrev} \${Package}\n" "fake-sriov-vgpu*" 2>/dev/null || true; fi'
}
nothing_left() {
	local l
	l=$(leftovers)
	[ -z "$l" ] || {
		echo "left behind: $l" | tr '\n' ' '
		return 1
	}
}

# dkms_only VERSION KREL...: DKMS has exactly VERSION, installed for each KREL.
dkms_only() {
	local v=$1 s k
	shift
	s=$(R 'dkms status fake-sriov-vgpu')
	echo "$s"
	for k in "$@"; do
		grep -q "^fake-sriov-vgpu/$v, $k, x86_64: installed" <<<"$s" || {
			echo "not installed: $v for $k"
			return 1
		}
		R "[ \"\$(modinfo -k $k -F version fake_sriov_vgpu)\" = $v ]" || {
			echo "modinfo -k $k: not version $v"
			return 1
		}
	done
	[ "$(grep -c . <<<"$s")" -eq $# ] || {
		echo "unexpected dkms entries"
		return 1
	}
	R "[ ! -e /usr/src/fake-sriov-vgpu-$([ "$v" = "$version" ] && echo "$version2" || echo "$version") ]" || {
		echo "the other version's source is still in /usr/src"
		return 1
	}
}

e2e_prepare() {
	local img
	img=$("$here/build-image") || return 1
	image=$img
	krel=$(cat "$image/krel") || return 1
	root=$work/root
	rm -rf "$root" && mkdir -p "$root" &&
		tar -xf "$image/rootfs.tar" -C "$root" --numeric-owner &&
		mkdir -p "$root/var/cache/fsv" &&
		cp -r "$pk1" "$pk2" "$root/var/cache/fsv/" &&
		cp "$image/repo-Packages" "$root/var/local/fsv-repo/Packages" &&
		echo "deb [trusted=yes] file:/var/local/fsv-repo ./" >"$root/etc/apt/sources.list.d/fsv-local.list" &&
		R 'apt-get update -qq -o Acquire::Languages=none' >/dev/null || return 1
	# The guest boots the cached kernel and initrd; an initrd for the second
	# kernel would cost about 5 minutes and is never used.
	R 'dpkg-divert --local --rename --add /usr/sbin/update-initramfs >/dev/null &&
		ln -s /bin/true /usr/sbin/update-initramfs' || return 1
	cloud=$(sed -n 's/^Package: linux-image-\(.*-cloud-amd64\)$/\1/p' "$image/repo-Packages" | grep -v '^cloud' | head -n1)
	[ -n "$krel" ] && [ -n "$cloud" ]
}

deb_install() {
	R "apt-get install -y -q /var/cache/fsv/pkgs-$version/fake-sriov-vgpu*.deb" || return 1
	kernels=("$krel")
	dkms_only "$version" "${kernels[@]}" || return 1
	R "modinfo -F signer fake_sriov_vgpu -k $krel | grep -q ." || {
		echo "not signed"
		return 1
	}
	# NVIDIA's path, through the alternatives system (fsv-dkms link-sriov-manage).
	# shellcheck disable=SC2016 # expanded inside the tree, by R
	R '[ "$(readlink -f /usr/lib/nvidia/sriov-manage)" = /usr/lib/fake-sriov-vgpu/sriov-manage ]' || {
		echo "/usr/lib/nvidia/sriov-manage is not the package's alternative"
		return 1
	}
}

deb_no_headers() {
	local out
	out=$(R "apt-get install -y -q linux-image-$cloud && dpkg-reconfigure fake-sriov-vgpu-dkms" 2>&1) || {
		echo "$out"
		return 1
	}
	echo "$out"
	grep -q "no headers for kernel $cloud; to build for it: apt install linux-headers-$cloud" <<<"$out"
}

deb_failing_build() {
	local out
	R 'mkdir -p /lib/modules/9.9.9-broken/build && printf "all:\n\tfalse\nclean:\n" >/lib/modules/9.9.9-broken/build/Makefile && touch /lib/modules/9.9.9-broken/modules.dep' || return 1
	out=$(R 'dpkg-reconfigure fake-sriov-vgpu-dkms; echo "rc=$?"' 2>&1)
	R 'rm -rf /lib/modules/9.9.9-broken /var/lib/dkms/fake-sriov-vgpu/kernel-9.9.9-broken-x86_64'
	echo "$out"
	# shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
	grep -q 'rc=0' <<<"$out" && grep -q 'FAILED to build for kernel 9.9.9-broken' <<<"$out" &&
		R 'dpkg-query -W -f "\${db:Status-Abbrev}" fake-sriov-vgpu-dkms | grep -q "^ii"'
}

deb_new_kernel() {
	R "apt-get install -y -q linux-headers-$cloud" || return 1
	kernels+=("$cloud")
	dkms_only "$version" "${kernels[@]}"
}

# The 5.15 LTS kernel's image and headers (bindeb-pkg .debs, not Debian's):
# the image's postinst runs /etc/kernel/postinst.d/dkms, which builds ours.
deb_lts_kernel() {
	local lts
	lts=$(dpkg-deb -f "$(find "$lts_debs" -maxdepth 1 -name 'linux-image-*.deb' ! -name '*-dbg_*' | sort -V | tail -n1)" Package) || return 1
	lts=${lts#linux-image-}
	mkdir -p "$root/var/cache/fsv/lts" &&
		cp "$lts_debs"/linux-image-"$lts"_*.deb "$lts_debs"/linux-headers-"$lts"_*.deb "$root/var/cache/fsv/lts/" || return 1
	R 'dpkg -i /var/cache/fsv/lts/linux-headers-*.deb /var/cache/fsv/lts/linux-image-*.deb' || return 1
	rm -rf "$root/var/cache/fsv/lts"
	kernels+=("$lts")
	dkms_only "$version" "${kernels[@]}"
}

deb_upgrade() {
	R "apt-get install -y -q /var/cache/fsv/pkgs-$version2/fake-sriov-vgpu*.deb" || return 1
	dkms_only "$version2" "${kernels[@]}"
}

# The gate runs kubevirt-main: bookworm's 6.1 has vfio-dev/vfioN without
# /dev/vfio/devices nodes, where KubeVirt v1.9.0's Allocate fails (kubevirt
# issue #18895, the validator's default set); the packages are under test here.
boot_guest() {
	local img=$work/disk.raw out=$work/console.log rc=0 ktap
	R "sed -i 's/^#options fake_sriov_vgpu num_vfs=.*/options fake_sriov_vgpu num_vfs=$E2E_NUM_VFS vgpu_type=$E2E_VGPU_TYPE/' /etc/modprobe.d/fake-sriov-vgpu.conf
		grep -q num_vfs=$E2E_NUM_VFS /etc/modprobe.d/fake-sriov-vgpu.conf
		sed -i 's/^FAKESRIOV_VALIDATE_ARGS=.*/FAKESRIOV_VALIDATE_ARGS=\"--wait 30 --rules kubevirt-main\"/' /etc/default/fakesriov-validate
		grep -q 'rules kubevirt-main' /etc/default/fakesriov-validate
		systemctl enable fakesriov-validate.service" || return 1
	install -m 0755 "$here/guest/fsv-e2e" "$root/usr/local/sbin/fsv-e2e" &&
		install -m 0644 "$here/guest/fsv-e2e.service" "$root/etc/systemd/system/fsv-e2e.service" &&
		printf 'VERSION=%s\nNUM_VFS=%s\nVGPU_TYPE=%s\n' "$version2" "$E2E_NUM_VFS" "$E2E_VGPU_TYPE" >"$root/etc/fsv-e2e.conf" &&
		R 'systemctl enable fsv-e2e.service' >/dev/null || return 1
	ktap=$(boot_tree "$root" "$image" "$img" "$out" 4G /var/lib/fsv-e2e/result 900) || rc=$?
	R 'systemctl disable fsv-e2e.service; rm -f /etc/systemd/system/fsv-e2e.service /usr/local/sbin/fsv-e2e /etc/fsv-e2e.conf' >/dev/null 2>&1
	[ "$rc" = 0 ] || return 1
	printf '%s\n' "$ktap" >"$work/guest-ktap"
	printf '%s\n' "$ktap"
	grep -q '^done' <<<"$ktap" && ! grep -q '^not ok' <<<"$ktap"
}

deb_remove() {
	R 'apt-get remove -y -q fake-sriov-vgpu fake-sriov-vgpu-dkms' || return 1
	local l
	l=$(R 'dkms status fake-sriov-vgpu; ls /lib/modules/*/updates/dkms/fake-sriov-vgpu.ko* /usr/src/fake-sriov-vgpu* /var/lib/dkms/fake-sriov-vgpu 2>/dev/null || true')
	[ -z "$l" ] || {
		echo "left: $l"
		return 1
	}
	# remove keeps the conffiles (the user's options), as dpkg promises.
	R '[ -f /etc/modprobe.d/fake-sriov-vgpu.conf ]'
}

deb_purge() {
	R 'apt-get purge -y -q fake-sriov-vgpu fake-sriov-vgpu-dkms' || return 1
	nothing_left
}

rpm_install() {
	R 'rm -rf /var/lib/rpm; mkdir -p /var/lib/rpm' &&
		host_in_ns "$root" rpm --root "$root" --initdb &&
		host_in_ns "$root" rpm --root "$root" -i --nodeps "$root/var/cache/fsv/pkgs-$version"/*.rpm &&
		dkms_only "$version" "${kernels[@]}" || return 1
	R '[ -f /etc/modprobe.d/fake-sriov-vgpu.conf ] && [ -x /usr/bin/fakesriov-validate ]'
}

rpm_upgrade() {
	host_in_ns "$root" rpm --root "$root" -U --nodeps "$root/var/cache/fsv/pkgs-$version2"/*.rpm || return 1
	dkms_only "$version2" "${kernels[@]}"
}

rpm_erase() {
	host_in_ns "$root" rpm --root "$root" -e --nodeps fake-sriov-vgpu fake-sriov-vgpu-dkms || return 1
	nothing_left
}

e2e_main() {
	local t0=$SECONDS image krel root cloud i kernels=() lts_debs=
	local full=${FSV_PKG_FULL:-0}
	# In CI (CI=true, as CI services set it) the image is always built when it
	# is missing, and an image that cannot be built fails every step: there,
	# a skipped end-to-end test would hide a broken package.
	local ci=0
	case ${CI:-} in true | 1) ci=1 ;; esac
	if [ "$full" != 1 ] && [ "$ci" != 1 ] && ! "$here/build-image" --print >/dev/null; then
		skip_e2e "the system image is not cached yet; make check-packages-full (FSV_PKG_FULL=1 tests/packaging/run) or CI=true builds it (2 to 11 min, depending on the mirror)"
		return 0
	fi
	if ! e2e_prepare >>"$FSV_LOG" 2>&1; then
		tail -n 20 "$FSV_LOG" | sed 's/^/# /'
		if [ "$ci" = 1 ]; then
			local n
			for n in "${e2e_names[@]}"; do not_ok "$n" "the system image could not be built (see $FSV_LOG)"; done
		else
			skip_e2e "the system image could not be built (see $FSV_LOG)"
		fi
		return 0
	fi
	diag "image ready ($krel, second kernel $cloud) in $((SECONDS - t0)) s"
	local steps=(deb_install deb_no_headers deb_failing_build deb_new_kernel deb_lts_kernel deb_upgrade
		boot_guest deb_remove deb_purge rpm_install rpm_upgrade rpm_erase)
	# make check runs the core (6 DKMS builds, 2 of them for the 5.15 LTS
	# kernel, + 1 boot); FSV_PKG_FULL=1 adds the missing-headers step, the
	# second kernel and the rpm upgrade (each later step then also builds for
	# the second kernel).
	local full_only=" deb_no_headers deb_new_kernel rpm_upgrade "
	local failed_at=
	for i in "${!steps[@]}"; do
		local s=${steps[$i]} ts=$SECONDS
		if [ -n "$failed_at" ]; then
			skip "${e2e_names[$i]}" "depends on '$failed_at', which failed"
			continue
		fi
		if [ "$full" != 1 ] && [[ $full_only == *" $s "* ]]; then
			skip "${e2e_names[$i]}" "slow (DKMS builds); FSV_PKG_FULL=1 / make check-packages-full"
			continue
		fi
		if [ "$s" = boot_guest ]; then
			if [ "${FSV_PKG_BOOT:-1}" = 0 ]; then
				skip "${e2e_names[$i]}" "FSV_PKG_BOOT=0"
				continue
			elif miss=$(missing qemu-system-x86_64 mkfs.ext4 debugfs); then
				skip "${e2e_names[$i]}" "missing $miss (scripts/install-deps)"
				continue
			fi
		fi
		if [ "$s" = deb_lts_kernel ] && ! lts_debs=$(fsv_local_debs_dir 5.15); then
			skip "${e2e_names[$i]}" "$(fsv_local_missing 5.15)"
			continue
		fi
		if [ "$s" = rpm_install ] && ! have rpm; then
			skip "${e2e_names[$i]}" "rpm not installed"
			failed_at=rpm
			continue
		fi
		check "${e2e_names[$i]}" "$s" || case $s in
		deb_no_headers | deb_failing_build | boot_guest) ;;
		*) failed_at=${e2e_names[$i]} ;;
		esac
		if [ "$s" = boot_guest ] && [ -f "$work/guest-ktap" ]; then
			sed 's/^/# guest: /' "$work/guest-ktap"
			rm -f "$work/guest-ktap"
		fi
		diag "  $s: $((SECONDS - ts)) s"
	done
	[ "${FSV_PKG_KEEP:-0}" = 1 ] || rm -rf "$root"
	diag "end-to-end took $((SECONDS - t0)) s"
}
