// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test: a module whose init dereferences NULL. Loading it must
 * make the VM test run fail with the Oops shown. Never shipped.
 */
#include <linux/module.h>

static int *fsv_selftest_ptr;

static int __init broken_null_init(void)
{
	pr_info("broken_null: dereferencing NULL on purpose\n");
	return *READ_ONCE(fsv_selftest_ptr);
}

static void __exit broken_null_exit(void)
{
}

module_init(broken_null_init);
module_exit(broken_null_exit);
MODULE_DESCRIPTION("fake-sriov-vgpu harness self-test: NULL dereference");
MODULE_LICENSE("GPL");
