// SPDX-License-Identifier: MIT
/*
 * Console drivers.  OpenSBI has already programmed the UART's baud rate
 * and line format, so the drivers only poll the status bits.  The active
 * driver is chosen once by the boot hart before the others start.
 */
#include "kernel/console.h"

#include <stdatomic.h>

#include "arch/riscv/pgtable.h"
#include "lib/errno.h"
#include "sbi/sbi.h"

/* ns16550a registers (index, scaled by reg-shift) and status bits. */
#define UART_RBR 0
#define UART_THR 0
#define UART_LSR 5
#define LSR_DR	 0x01
#define LSR_THRE 0x20

/* sifive,uart0 registers. */
#define SIFIVE_TXDATA 0x00
#define SIFIVE_RXDATA 0x04
#define SIFIVE_TXCTRL 0x08
#define SIFIVE_RXCTRL 0x0c
#define SIFIVE_FULL   (1U << 31)
#define SIFIVE_EMPTY  (1U << 31)

/*
 * SBI console input.  The firmware holds at most one received byte (HTIF
 * on spike has a single fromhost word, OpenSBI's drivers read one byte per
 * call), so bytes typed while nobody asks are lost.  Every SBI console
 * output also drains the firmware's input into this ring, and
 * console_getc() reads the ring first, so text that arrives while the
 * kernel prints (a command's answer, the boot report) waits here.
 * Producers and the consumer take sbi_rx_busy with a try-lock only: a hart
 * that finds it taken (another hart, or an interrupted holder on this
 * hart) skips the drain rather than wait, so nothing can deadlock, and the
 * ring indices are only touched by the holder.
 */
#define SBI_RX_SIZE 256 /* a power of two */
static char sbi_rx[SBI_RX_SIZE];
static unsigned int sbi_rx_head, sbi_rx_tail; /* free-running */
static atomic_flag sbi_rx_busy = ATOMIC_FLAG_INIT;

static bool sbi_rx_trylock(void)
{
	return !atomic_flag_test_and_set_explicit(&sbi_rx_busy,
						  memory_order_acquire);
}

static void sbi_rx_unlock(void)
{
	atomic_flag_clear_explicit(&sbi_rx_busy, memory_order_release);
}

/* With the lock: move what the firmware holds into the ring. */
static void sbi_rx_drain(void)
{
	unsigned int n;
	int c;

	for (n = 0; n < SBI_RX_SIZE; n++) {
		c = sbi_console_getchar();
		if (c < 0)
			return;
		if (sbi_rx_head - sbi_rx_tail < SBI_RX_SIZE)
			sbi_rx[sbi_rx_head++ % SBI_RX_SIZE] = (char)c;
		/* else full: the newest byte is dropped */
	}
}

static int sbi_getc_buffered(void)
{
	int c = -1;

	if (!sbi_rx_trylock())
		return -1; /* a printing hart drains right now: try again */
	sbi_rx_drain();
	if (sbi_rx_tail != sbi_rx_head)
		c = (unsigned char)sbi_rx[sbi_rx_tail++ % SBI_RX_SIZE];
	sbi_rx_unlock();
	return c;
}

static void sbi_putc_draining(char c)
{
	sbi_console_putchar(c);
	if (sbi_rx_trylock()) {
		sbi_rx_drain();
		sbi_rx_unlock();
	}
}

static enum platform_console_type console_type = CONSOLE_SBI;
static volatile uint8_t *uart_base;
static unsigned int uart_shift, uart_width;

static uint32_t ns16550_read(unsigned int reg)
{
	volatile uint8_t *addr = uart_base + (reg << uart_shift);

	if (uart_width == 4)
		return *(volatile uint32_t *)addr;
	return *addr;
}

static void ns16550_write(unsigned int reg, uint32_t v)
{
	volatile uint8_t *addr = uart_base + (reg << uart_shift);

	if (uart_width == 4)
		*(volatile uint32_t *)addr = v;
	else
		*addr = (uint8_t)v;
}

static inline volatile uint32_t *sifive_reg(unsigned int off)
{
	return (volatile uint32_t *)(uart_base + off);
}

int console_init(const struct platform_console *pc)
{
	void *base;

	if (pc->type == CONSOLE_SBI)
		return 0;
	base = ioremap(pc->base, pc->size ? pc->size : PAGE_SIZE);
	if (!base)
		return -ENOMEM;
	uart_base = base;
	uart_shift = pc->reg_shift;
	uart_width = pc->reg_io_width ? pc->reg_io_width : 1;
	if (pc->type == CONSOLE_SIFIVE_UART) {
		*sifive_reg(SIFIVE_TXCTRL) |= 1;
		*sifive_reg(SIFIVE_RXCTRL) |= 1;
	}
	console_type = pc->type;
	return 0;
}

const char *console_name(void)
{
	switch (console_type) {
	case CONSOLE_NS16550:
		return "ns16550a";
	case CONSOLE_SIFIVE_UART:
		return "sifive,uart0";
	default:
		return "sbi";
	}
}

void console_putc(char c)
{
	switch (console_type) {
	case CONSOLE_NS16550:
		while (!(ns16550_read(UART_LSR) & LSR_THRE))
			;
		ns16550_write(UART_THR, (uint8_t)c);
		break;
	case CONSOLE_SIFIVE_UART:
		while (*sifive_reg(SIFIVE_TXDATA) & SIFIVE_FULL)
			;
		*sifive_reg(SIFIVE_TXDATA) = (uint8_t)c;
		break;
	default:
		sbi_putc_draining(c);
		break;
	}
}

void console_write(const char *s, size_t n)
{
	while (n--) {
		if (*s == '\n')
			console_putc('\r');
		console_putc(*s++);
	}
}

int console_getc(void)
{
	uint32_t v;

	switch (console_type) {
	case CONSOLE_NS16550:
		if (!(ns16550_read(UART_LSR) & LSR_DR))
			return -1;
		return ns16550_read(UART_RBR) & 0xff;
	case CONSOLE_SIFIVE_UART:
		v = *sifive_reg(SIFIVE_RXDATA);
		return (v & SIFIVE_EMPTY) ? -1 : (int)(v & 0xff);
	default:
		return sbi_getc_buffered();
	}
}
