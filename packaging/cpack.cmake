# SPDX-License-Identifier: Apache-2.0
#
# packaging/cpack.cmake - the .deb and .rpm packages, included by the root
# CMakeLists.txt. `make packages` (or `cpack` in the build directory) makes:
#   fake-sriov-vgpu-dkms   module source in /usr/src/fake-sriov-vgpu-<version>/
#                          + dkms.conf + the shared maintainer script (arch all/noarch)
#   fake-sriov-vgpu        validator + man page, setup-fake-sriov.sh + man page,
#                          sriov-manage + man page (/usr/lib/fake-sriov-vgpu,
#                          offered at NVIDIA's /usr/lib/nvidia/sriov-manage by
#                          update-alternatives in postinst/%post), bash
#                          completions, udev rules, systemd unit,
#                          modprobe.d/modules-load.d files;
#                          depends on fake-sriov-vgpu-dkms of the same version
# Every file that is not the DKMS tree belongs to the "Unspecified" component,
# so the validator's own install() rules need no COMPONENT.
# See docs/packages.md.
include_guard(GLOBAL)
include(GNUInstallDirs)

set(_fsv_pkg "${CMAKE_CURRENT_LIST_DIR}")
get_filename_component(_fsv_top "${_fsv_pkg}" DIRECTORY)
set(_fsv_gen "${CMAKE_BINARY_DIR}/packaging")

file(STRINGS "${_fsv_top}/VERSION" _fsv_version_file LIMIT_COUNT 1)
string(STRIP "${_fsv_version_file}" _fsv_version_file)
# Override only to test upgrades (tests/packaging): the module reports the
# version written into its DKMS tree, so the package and module still agree.
set(FSV_PACKAGE_VERSION "${_fsv_version_file}" CACHE STRING
    "Package version (default: the VERSION file)")
if(FSV_PACKAGE_VERSION STREQUAL "")
  set(FSV_PACKAGE_VERSION "${_fsv_version_file}" CACHE STRING "" FORCE)
endif()
set(FSV_VERSION "${FSV_PACKAGE_VERSION}")
set(_fsv_name fake-sriov-vgpu)
set(_fsv_srcdir "/usr/src/${_fsv_name}-${FSV_VERSION}")
set(_fsv_libexec "/usr/libexec/${_fsv_name}")

# Reproducible dates for the Debian changelogs.
if(DEFINED ENV{SOURCE_DATE_EPOCH})
  set(_fsv_epoch "$ENV{SOURCE_DATE_EPOCH}")
else()
  execute_process(COMMAND git -C "${_fsv_top}" log -1 --format=%ct
    OUTPUT_VARIABLE _fsv_epoch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT _fsv_epoch)
    set(_fsv_epoch 1767225600)
  endif()
endif()
execute_process(COMMAND date -u -R -d "@${_fsv_epoch}"
  OUTPUT_VARIABLE FSV_DATE_RFC2822 OUTPUT_STRIP_TRAILING_WHITESPACE)

# ---- generated files --------------------------------------------------------
configure_file("${_fsv_top}/dkms.conf" "${_fsv_gen}/dkms.conf" @ONLY)
file(WRITE "${_fsv_gen}/VERSION" "${FSV_VERSION}\n")
foreach(_s postinst prerm)
  configure_file("${_fsv_pkg}/deb/dkms.${_s}.in" "${_fsv_gen}/deb-dkms/${_s}" @ONLY
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                     WORLD_READ WORLD_EXECUTE)
endforeach()
foreach(_s postinst prerm postrm)
  configure_file("${_fsv_pkg}/deb/main.${_s}.in" "${_fsv_gen}/deb-main/${_s}" @ONLY
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                     WORLD_READ WORLD_EXECUTE)
endforeach()
configure_file("${_fsv_pkg}/deb/main.conffiles" "${_fsv_gen}/deb-main/conffiles" COPYONLY)
foreach(_s post preun posttrans main-post main-preun)
  configure_file("${_fsv_pkg}/rpm/${_s}.in" "${_fsv_gen}/rpm/${_s}" @ONLY)
endforeach()
foreach(_p ${_fsv_name} ${_fsv_name}-dkms)
  set(FSV_CHANGELOG_PACKAGE "${_p}")
  configure_file("${_fsv_pkg}/deb/changelog.in" "${_fsv_gen}/doc-${_p}/changelog" @ONLY)
  execute_process(COMMAND gzip -9nf "${_fsv_gen}/doc-${_p}/changelog")
endforeach()

# ---- the DKMS tree (component "dkms") ---------------------------------------
install(DIRECTORY "${_fsv_top}/src/" DESTINATION "${_fsv_srcdir}" COMPONENT dkms
  USE_SOURCE_PERMISSIONS
  FILES_MATCHING PATTERN "*.c" PATTERN "*.h" PATTERN "Makefile" PATTERN "Kbuild"
                 PATTERN "*.sh"
  PATTERN "conftest.h" EXCLUDE PATTERN "profile_names.h" EXCLUDE
  PATTERN "*.mod.c" EXCLUDE PATTERN ".*" EXCLUDE)
install(FILES "${_fsv_gen}/dkms.conf" "${_fsv_gen}/VERSION"
  DESTINATION "${_fsv_srcdir}" COMPONENT dkms)
install(PROGRAMS "${_fsv_pkg}/common/fsv-dkms" DESTINATION "${_fsv_libexec}" COMPONENT dkms)
install(FILES "${_fsv_pkg}/deb/copyright" "${_fsv_gen}/doc-${_fsv_name}-dkms/changelog.gz"
  DESTINATION "/usr/share/doc/${_fsv_name}-dkms" COMPONENT dkms)
install(FILES "${_fsv_top}/LICENSES/GPL-2.0-only"
  DESTINATION "/usr/share/licenses/${_fsv_name}-dkms" COMPONENT dkms)

# ---- the tools and boot integration (component "Unspecified") ---------------
set(_fsv_main Unspecified)
if(EXISTS "${_fsv_top}/scripts/setup-fake-sriov.sh")
  install(PROGRAMS "${_fsv_top}/scripts/setup-fake-sriov.sh" DESTINATION /usr/sbin
    COMPONENT ${_fsv_main})
  execute_process(COMMAND gzip -9nc "${_fsv_pkg}/man/setup-fake-sriov.sh.8"
    OUTPUT_FILE "${_fsv_gen}/setup-fake-sriov.sh.8.gz")
  install(FILES "${_fsv_gen}/setup-fake-sriov.sh.8.gz" DESTINATION /usr/share/man/man8
    COMPONENT ${_fsv_main})
  install(FILES "${_fsv_pkg}/deb/lintian/fake-sriov-vgpu"
    DESTINATION /usr/share/lintian/overrides COMPONENT ${_fsv_main})
endif()
# NVIDIA's tools (GPU operator, vgpu-device-manager) call it as
# /usr/lib/nvidia/sriov-manage, where NVIDIA's vGPU host driver installs its
# own: the package never owns that path. It installs the script in its own
# directory, and the maintainer scripts (fsv-dkms link-sriov-manage) link
# NVIDIA's path to it through the alternatives system unless a file is there.
install(PROGRAMS "${_fsv_top}/scripts/sriov-manage" DESTINATION /usr/lib/${_fsv_name}
  COMPONENT ${_fsv_main})
execute_process(COMMAND gzip -9nc "${_fsv_pkg}/man/sriov-manage.8"
  OUTPUT_FILE "${_fsv_gen}/sriov-manage.8.gz")
install(FILES "${_fsv_gen}/sriov-manage.8.gz" DESTINATION /usr/share/man/man8
  COMPONENT ${_fsv_main})
# bash completions (tests/docs/completion-check keeps them in step with --help).
install(FILES "${_fsv_pkg}/bash-completion/fakesriov-validate"
  "${_fsv_pkg}/bash-completion/setup-fake-sriov.sh"
  DESTINATION /usr/share/bash-completion/completions COMPONENT ${_fsv_main})
install(FILES "${_fsv_pkg}/modprobe.d/fake-sriov-vgpu.conf" DESTINATION /etc/modprobe.d
  COMPONENT ${_fsv_main})
install(FILES "${_fsv_pkg}/modules-load.d/fake-sriov-vgpu.conf" DESTINATION /etc/modules-load.d
  COMPONENT ${_fsv_main})
install(FILES "${_fsv_pkg}/default/fakesriov-validate" DESTINATION /etc/default
  COMPONENT ${_fsv_main})
install(FILES "${_fsv_pkg}/systemd/fakesriov-validate.service"
  DESTINATION /usr/lib/systemd/system COMPONENT ${_fsv_main})
install(FILES "${_fsv_top}/udev/70-fake-sriov-vgpu.rules" DESTINATION /usr/lib/udev/rules.d
  COMPONENT ${_fsv_main})
install(FILES "${_fsv_pkg}/deb/copyright" "${_fsv_gen}/doc-${_fsv_name}/changelog.gz"
  DESTINATION "/usr/share/doc/${_fsv_name}" COMPONENT ${_fsv_main})
if(EXISTS "${_fsv_top}/docs/packages.md")
  install(FILES "${_fsv_top}/docs/packages.md" DESTINATION "/usr/share/doc/${_fsv_name}"
    COMPONENT ${_fsv_main})
endif()
install(FILES "${_fsv_top}/LICENSES/Apache-2.0"
  DESTINATION "/usr/share/licenses/${_fsv_name}" COMPONENT ${_fsv_main})

# Man pages installed uncompressed by other install() rules: Debian policy and
# Fedora both want them gzipped (runs last: this file is included at the end).
install(CODE [[
  file(GLOB_RECURSE _fsv_man "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/share/man/*.[1-9]")
  foreach(_m IN LISTS _fsv_man)
    execute_process(COMMAND gzip -9nf "${_m}")
  endforeach()
]] COMPONENT ${_fsv_main})

# ---- CPack ------------------------------------------------------------------
set(CPACK_PACKAGE_NAME ${_fsv_name})
set(CPACK_PACKAGE_VERSION "${FSV_VERSION}")
set(CPACK_PACKAGE_VENDOR "fake-sriov-vgpu project")
set(CPACK_PACKAGE_CONTACT "fake-sriov-vgpu maintainers <maintainers@fake-sriov-vgpu.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Fake SR-IOV NVIDIA vGPU devices for KubeVirt testing")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://github.com/fake-sriov-vgpu/fake-sriov-vgpu")
set(CPACK_GENERATOR "DEB;RPM")
set(CPACK_SOURCE_GENERATOR "")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/packages")
set(CPACK_COMPONENTS_ALL ${_fsv_main} dkms)
set(CPACK_STRIP_FILES ON)

set(_fsv_desc_main "Tools and boot integration for fake SR-IOV vGPU devices
 fake-sriov-vgpu creates fake NVIDIA SR-IOV vGPU virtual functions on a
 software-only PCI bus, so KubeVirt's vGPU discovery can be tested without
 GPUs. This package holds fakesriov-validate (checks the devices the way
 KubeVirt discovers them), setup-fake-sriov.sh, udev rules, a systemd unit
 that validates the devices at boot, and the files that load the module at
 boot with options from /etc/modprobe.d.")
set(_fsv_desc_dkms "Fake SR-IOV vGPU kernel module (DKMS source)
 fake-sriov-vgpu creates fake NVIDIA SR-IOV vGPU virtual functions on a
 software-only PCI bus, so KubeVirt's vGPU discovery can be tested without
 GPUs. This package holds the module's source, built by DKMS for every
 installed kernel with headers (Linux 5.10 or later).")

# Debian: two packages, the DKMS one arch all (dh-dkms convention).
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_NAME ${_fsv_name})
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_DEPENDS "${_fsv_name}-dkms (= ${FSV_VERSION}), kmod")
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_RECOMMENDS "systemd, udev")
set(CPACK_DEBIAN_UNSPECIFIED_DESCRIPTION "${_fsv_desc_main}")
set(CPACK_DEBIAN_UNSPECIFIED_PACKAGE_CONTROL_EXTRA
  "${_fsv_gen}/deb-main/postinst;${_fsv_gen}/deb-main/prerm;${_fsv_gen}/deb-main/postrm;${_fsv_gen}/deb-main/conffiles")
set(CPACK_DEBIAN_DKMS_PACKAGE_NAME ${_fsv_name}-dkms)
set(CPACK_DEBIAN_DKMS_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_DKMS_PACKAGE_SECTION kernel)
set(CPACK_DEBIAN_DKMS_PACKAGE_DEPENDS "dkms (>= 2.8)")
set(CPACK_DEBIAN_DKMS_PACKAGE_RECOMMENDS "linux-headers-amd64 | linux-headers-generic | linux-headers")
set(CPACK_DEBIAN_DKMS_DESCRIPTION "${_fsv_desc_dkms}")
set(CPACK_DEBIAN_DKMS_PACKAGE_CONTROL_EXTRA
  "${_fsv_gen}/deb-dkms/postinst;${_fsv_gen}/deb-dkms/prerm")

# RPM: the same split (zfs-dkms is the model for the scriptlets).
set(CPACK_RPM_COMPONENT_INSTALL ON)
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_RELEASE 1)
set(CPACK_RPM_PACKAGE_LICENSE "GPL-2.0-only AND Apache-2.0")
set(CPACK_RPM_PACKAGE_URL "${CPACK_PACKAGE_HOMEPAGE_URL}")
set(CPACK_RPM_COMPRESSION_TYPE xz)
set(CPACK_RPM_PACKAGE_RELOCATABLE OFF)
set(CPACK_RPM_SPEC_MORE_DEFINE "%define _build_id_links none
%define packager ${CPACK_PACKAGE_CONTACT}")
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
  /etc/modprobe.d /etc/modules-load.d /etc/default /usr/src /usr/libexec
  /usr/lib/systemd /usr/lib/systemd/system /usr/lib/udev /usr/lib/udev/rules.d
  /usr/sbin /usr/share/licenses /usr/share/lintian /usr/share/lintian/overrides
  /usr/share/man /usr/share/man/man1 /usr/share/man/man8
  /usr/share/bash-completion /usr/share/bash-completion/completions)
set(CPACK_RPM_UNSPECIFIED_PACKAGE_NAME ${_fsv_name})
set(CPACK_RPM_UNSPECIFIED_PACKAGE_GROUP "Development/Tools")
set(CPACK_RPM_UNSPECIFIED_PACKAGE_SUMMARY "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}")
set(CPACK_RPM_UNSPECIFIED_PACKAGE_DESCRIPTION "${_fsv_desc_main}")
set(CPACK_RPM_UNSPECIFIED_PACKAGE_REQUIRES
  "${_fsv_name}-dkms = ${FSV_VERSION}, kmod")
# %post/%preun run update-alternatives (Fedora: the alternatives package;
# Debian's dpkg has it, Essential, so the .deb needs no dependency).
set(CPACK_RPM_UNSPECIFIED_PACKAGE_REQUIRES_POST "/usr/sbin/update-alternatives")
set(CPACK_RPM_UNSPECIFIED_PACKAGE_REQUIRES_PREUN "/usr/sbin/update-alternatives")
# libudev.so.1 (systemd-libs), libyaml-cpp.so.N (yaml-cpp), libstdc++.so.6:
# rpmbuild's automatic soname requirements name them; explicit package names
# would only repeat them (rpmlint: explicit-lib-dependency).
set(CPACK_RPM_UNSPECIFIED_PACKAGE_LICENSE "Apache-2.0")
set(CPACK_RPM_UNSPECIFIED_USER_FILELIST
  "%config(noreplace) /etc/modprobe.d/fake-sriov-vgpu.conf"
  "%config(noreplace) /etc/modules-load.d/fake-sriov-vgpu.conf"
  "%config(noreplace) /etc/default/fakesriov-validate"
  "%license /usr/share/licenses/${_fsv_name}/Apache-2.0")
set(CPACK_RPM_UNSPECIFIED_POST_INSTALL_SCRIPT_FILE "${_fsv_gen}/rpm/main-post")
set(CPACK_RPM_UNSPECIFIED_PRE_UNINSTALL_SCRIPT_FILE "${_fsv_gen}/rpm/main-preun")
set(CPACK_RPM_DKMS_PACKAGE_NAME ${_fsv_name}-dkms)
set(CPACK_RPM_DKMS_PACKAGE_ARCHITECTURE noarch)
set(CPACK_RPM_DKMS_PACKAGE_GROUP "System Environment/Kernel")
set(CPACK_RPM_DKMS_PACKAGE_SUMMARY "Fake SR-IOV vGPU kernel module (DKMS source)")
set(CPACK_RPM_DKMS_PACKAGE_DESCRIPTION "${_fsv_desc_dkms}")
set(CPACK_RPM_DKMS_PACKAGE_LICENSE "GPL-2.0-only")
set(CPACK_RPM_DKMS_PACKAGE_REQUIRES "dkms, kernel-devel, gcc, make")
set(CPACK_RPM_DKMS_PACKAGE_REQUIRES_POST "dkms")
set(CPACK_RPM_DKMS_PACKAGE_REQUIRES_PREUN "dkms")
set(CPACK_RPM_DKMS_USER_FILELIST "%license /usr/share/licenses/${_fsv_name}-dkms/GPL-2.0-only")
set(CPACK_RPM_DKMS_POST_INSTALL_SCRIPT_FILE "${_fsv_gen}/rpm/post")
set(CPACK_RPM_DKMS_PRE_UNINSTALL_SCRIPT_FILE "${_fsv_gen}/rpm/preun")
set(CPACK_RPM_DKMS_POST_TRANS_SCRIPT_FILE "${_fsv_gen}/rpm/posttrans")

include(CPack)

# A dnf repository from the built .rpm files: cmake --build build --target rpm-repo
add_custom_target(rpm-repo
  COMMAND "${_fsv_pkg}/rpm/make-repo" "${CMAKE_BINARY_DIR}/rpm-repo" "${CPACK_PACKAGE_DIRECTORY}"
  COMMENT "createrepo_c: ${CMAKE_BINARY_DIR}/rpm-repo"
  VERBATIM)
