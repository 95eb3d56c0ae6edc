// SPDX-License-Identifier: Apache-2.0
/*
 * gpu-probe: the guest side of the nested-VM test. A multiboot payload for
 * QEMU's -kernel (32-bit protected mode, no paging, no interrupts) that uses
 * the vGPU QEMU's vfio-pci hands it like a driver would:
 *   finds the first 10de:xxxx function on PCI bus 0 (config mechanism #1),
 *   prints its config header, enables memory decoding, reads the ID at
 *   BAR0 offset 0, writes and reads back BAR0's RAM, reads beyond it,
 * and prints one line per check on the serial port (COM1):
 *   FSV-PAYLOAD ok|FAIL <what>
 *   FSV-PAYLOAD done <failures>
 * then leaves QEMU through isa-debug-exit (iobase 0xf4): exit status
 * 1 + 2 * failures (QEMU's convention), so 1 is success.
 * Built freestanding by tests/vm/run (gcc -m32, tests/vm/payload/payload.ld).
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

#define MB_MAGIC 0x1BADB002u
#define MB_FLAGS 0u

__attribute__((section(".multiboot"), used, aligned(4)))
static const u32 multiboot_header[3] = { MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS) };

#define COM1 0x3f8
#define BAR0_RAM 0x10000u	/* the module's FSV_BAR_BACKED */

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static void putc(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (u8)c);
}

static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static void puthex(u32 v, int digits)
{
	while (digits--)
		putc("0123456789abcdef"[(v >> (4 * digits)) & 0xf]);
}

static u32 cfg_addr(u32 dev, u32 reg) { return 0x80000000u | dev << 8 | (reg & 0xfc); }

static u32 cfg_read(u32 dev, u32 reg)
{
	outl(0xcf8, cfg_addr(dev, reg));
	return inl(0xcfc);
}

static void cfg_write(u32 dev, u32 reg, u32 v)
{
	outl(0xcf8, cfg_addr(dev, reg));
	outl(0xcfc, v);
}

static int failures;

static void result(int good, const char *what, u32 value)
{
	puts(good ? "FSV-PAYLOAD ok " : "FSV-PAYLOAD FAIL ");
	puts(what);
	puts(" 0x");
	puthex(value, 8);
	puts("\n");
	if (!good)
		failures++;
}

void main(void)
{
	u32 dev, id = 0xffffffffu, bar_lo, bar_hi, v;
	volatile u32 *bar0;

	for (dev = 0; dev < 256; dev++) {	/* bus 0: 32 slots x 8 functions */
		id = cfg_read(dev, 0);
		if ((id & 0xffff) == 0x10de)
			break;
	}
	if (dev == 256) {
		result(0, "no 10de function on bus 0", id);
		goto out;
	}
	puts("FSV-PAYLOAD found 00:");
	puthex(dev >> 3, 2);
	putc('.');
	puthex(dev & 7, 1);
	puts("\n");
	result(1, "vendor:device", id);
	result((cfg_read(dev, 8) >> 16) == 0x0300 || (cfg_read(dev, 8) >> 16) == 0x0302,
	       "class", cfg_read(dev, 8) >> 8);
	result((cfg_read(dev, 0x2c) & 0xffff) == 0x10de, "subsystem", cfg_read(dev, 0x2c));

	bar_lo = cfg_read(dev, 0x10);
	bar_hi = cfg_read(dev, 0x14);
	result((bar_lo & 0x7) == 0x4, "BAR0 is 64-bit memory", bar_lo);
	result(bar_hi == 0 && (bar_lo & ~0xfu) != 0, "BAR0 assigned below 4 GiB by the firmware", bar_lo & ~0xfu);
	if (bar_hi || !(bar_lo & ~0xfu))
		goto out;
	cfg_write(dev, 0x04, cfg_read(dev, 0x04) | 0x2);	/* memory decoding */
	bar0 = (volatile u32 *)(bar_lo & ~0xfu);

	v = bar0[0];
	result(v == id, "BAR0[0] is the function's ID", v);
	bar0[0x100 / 4] = 0xa5a55a5au;
	v = bar0[0x100 / 4];
	result(v == 0xa5a55a5au, "BAR0 RAM keeps a write", v);
	bar0[(BAR0_RAM + 0x100) / 4] = 0xffffffffu;
	v = bar0[(BAR0_RAM + 0x100) / 4];
	result(v == 0, "BAR0 beyond its RAM reads 0", v);
out:
	puts("FSV-PAYLOAD done ");
	puthex((u32)failures, 2);
	puts("\n");
	outb(0xf4, (u8)failures);	/* isa-debug-exit: QEMU exits 1 + 2 * failures */
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Multiboot enters here, in protected mode, with no stack we may rely on. */
__asm__(".pushsection .text\n"
	".global _start\n"
	"_start:\n"
	"	mov $stack_top, %esp\n"
	"	call main\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	".popsection\n"
	".pushsection .bss\n"
	".align 16\n"
	"	.skip 16384\n"
	"stack_top:\n"
	".popsection\n");
