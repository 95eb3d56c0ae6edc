// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test: a module that allocates memory and drops the only
 * pointer to it. The kmemleak scan on the sanitizer kernel must report it and
 * fail the run. Never shipped.
 */
#include <linux/module.h>
#include <linux/slab.h>

static int __init broken_leak_init(void)
{
	void *p = kmalloc(4096, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	memset(p, 0x5a, 4096);
	pr_info("broken_leak: leaking 4096 bytes on purpose\n");
	p = NULL;
	return 0;
}

static void __exit broken_leak_exit(void)
{
}

module_init(broken_leak_init);
module_exit(broken_leak_exit);
MODULE_DESCRIPTION("fake-sriov-vgpu harness self-test: memory leak");
MODULE_LICENSE("GPL");
