#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Build-time feature probes: compiles one small object per kernel feature
# against the target kernel's build tree and writes conftest.h with a
# FSV_HAVE_<FEATURE> define for each one that compiled. Like NVIDIA's
# conftest.sh and OpenZFS's configure checks: features, never versions.
#
# usage: conftest.sh KDIR OUTPUT   (FSV_CC: the compiler, default the kernel's)
# exit:  0 conftest.h written, 1 the kernel tree or toolchain is unusable, 2 usage

set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 KDIR OUTPUT" >&2
	exit 2
fi
kdir=$1
out=$2
if [ ! -f "$kdir/Makefile" ]; then
	echo "conftest.sh: $kdir is not a kernel build tree (no Makefile); install the kernel headers" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fsv-conftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# kmake DIR TARGETS...: the kernel's external-module build of DIR. This runs
# inside another kernel build (src/Kbuild), whose exported variables
# (srctree, objtree, obj=, M=, the jobserver) would make the inner make
# rebuild the headers' configuration: start it from a clean environment with
# the outer build's compiler (FSV_CC) and target (ARCH, CROSS_COMPILE, LLVM).
kmake() {
	d=$1
	shift
	if [ -n "${FSV_CC:-}" ]; then
		set -- CC="$FSV_CC" "$@"
	fi
	for v in ARCH CROSS_COMPILE LLVM; do
		eval "x=\${$v:-}"
		if [ -n "$x" ]; then
			set -- "$v=$x" "$@"
		fi
	done
	env -i PATH="$PATH" HOME="${HOME:-/}" TMPDIR="${TMPDIR:-/tmp}" \
		make -C "$kdir" M="$d" "$@"
}

probe() { # NAME: C body on stdin
	cat > "$tmp/$1.c"
	names="${names:-} $1"
}

probe PCI_DRIVER_MANAGED_DMA <<'C'
#include <linux/pci.h>
struct pci_driver fsv_probe_drv = { .driver_managed_dma = true };
C

probe VFIO_ALLOC_DEVICE <<'C'
#include <linux/vfio.h>
struct vfio_device *(*fsv_probe_fn)(size_t, struct device *,
	const struct vfio_device_ops *) = _vfio_alloc_device;
C

probe VFIO_FREE_DEVICE <<'C'
#include <linux/vfio.h>
void (*fsv_probe_fn)(struct vfio_device *) = vfio_free_device;
C

probe VFIO_REGISTER_EMULATED_IOMMU_DEV <<'C'
#include <linux/vfio.h>
int (*fsv_probe_fn)(struct vfio_device *) = vfio_register_emulated_iommu_dev;
C

probe VFIO_INIT_GROUP_DEV <<'C'
#include <linux/vfio.h>
void (*fsv_probe_fn)(struct vfio_device *, struct device *,
	const struct vfio_device_ops *) = vfio_init_group_dev;
C

probe VFIO_UNINIT_GROUP_DEV <<'C'
#include <linux/vfio.h>
void (*fsv_probe_fn)(struct vfio_device *) = vfio_uninit_group_dev;
C

probe VFIO_REGISTER_GROUP_DEV <<'C'
#include <linux/vfio.h>
int (*fsv_probe_fn)(struct vfio_device *) = vfio_register_group_dev;
C

probe VFIO_OPEN_DEVICE_OPS <<'C'
#include <linux/vfio.h>
struct vfio_device_ops fsv_probe_ops = { .open_device = NULL,
	.close_device = NULL };
C

probe DEVICE_SET_DRIVER_OVERRIDE <<'C'
#include <linux/device.h>
int fsv_probe_fn(struct device *d) { return device_set_driver_override(d, "x"); }
C

probe DRIVER_SET_OVERRIDE <<'C'
#include <linux/pci.h>
int fsv_probe_fn(struct pci_dev *p)
{ return driver_set_override(&p->dev, &p->driver_override, "x", 1); }
C

probe EVENTFD_SIGNAL_ONE_ARG <<'C'
#include <linux/eventfd.h>
void fsv_probe_fn(struct eventfd_ctx *c) { eventfd_signal(c); }
C

probe VFIO_ADD_GROUP_DEV <<'C'
#include <linux/vfio.h>
int (*fsv_probe_fn)(struct device *, const struct vfio_device_ops *,
	void *) = vfio_add_group_dev;
C

probe VFIO_IOMMUFD_OPS <<'C'
#include <linux/vfio.h>
struct vfio_device_ops fsv_probe_ops = { .bind_iommufd = NULL,
	.unbind_iommufd = NULL, .attach_ioas = NULL };
C

probe VFIO_DETACH_IOAS <<'C'
#include <linux/vfio.h>
struct vfio_device_ops fsv_probe_ops = { .detach_ioas = NULL };
C

probe VFIO_GET_REGION_INFO_CAPS <<'C'
#include <linux/vfio.h>
static int fsv_probe_fn(struct vfio_device *v, struct vfio_region_info *i,
	struct vfio_info_cap *c) { return 0; }
struct vfio_device_ops fsv_probe_ops = { .get_region_info_caps = fsv_probe_fn };
C

probe MDEV_REGISTER_PARENT <<'C'
#include <linux/mdev.h>
static unsigned int fsv_probe_avail(struct mdev_type *t) { return 0; }
struct mdev_driver fsv_probe_drv = { .get_available = fsv_probe_avail };
int (*fsv_probe_fn)(struct mdev_parent *, struct device *,
	struct mdev_driver *, struct mdev_type **, unsigned int) =
	mdev_register_parent;
C

# The toolchain and headers first: an empty module must build, or every
# probe below would fail for a reason that has nothing to do with features.
mkdir -p "$tmp/empty"
echo '#include <linux/module.h>' >"$tmp/empty/fsv_empty.c"
echo 'obj-m := fsv_empty.o' >"$tmp/empty/Kbuild"
if ! kmake "$tmp/empty" fsv_empty.o >"$tmp/empty.log" 2>&1 || [ ! -f "$tmp/empty/fsv_empty.o" ]; then
	echo "conftest.sh: an empty module does not build against $kdir: the compiler or the kernel headers are broken, so no feature can be probed:" >&2
	cat "$tmp/empty.log" >&2
	exit 1
fi

objs=
for n in $names; do
	objs="$objs $n.o"
done
{
	echo "obj-m := $objs"
	echo "ccflags-y := -Werror=incompatible-pointer-types -Werror=implicit-function-declaration"
} > "$tmp/Kbuild"

# -k: a probe that does not compile is an answer, not an error.
# shellcheck disable=SC2086 # $objs is a list of make targets
kmake "$tmp" -k $objs > "$tmp/log" 2>&1 || true

{
	echo "/* Generated by conftest.sh for $kdir; do not edit. */"
	echo "#ifndef FSV_CONFTEST_H"
	echo "#define FSV_CONFTEST_H"
	for n in $names; do
		if [ -f "$tmp/$n.o" ]; then
			echo "#define FSV_HAVE_$n 1"
		else
			echo "/* #undef FSV_HAVE_$n */"
		fi
	done
	echo "#endif"
} > "$out.tmp"
mv "$out.tmp" "$out"
