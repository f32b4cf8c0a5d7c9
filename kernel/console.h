/* SPDX-License-Identifier: MIT */
/*
 * The serial console: polled UART (ns16550a or sifive,uart0) found from the
 * FDT, or the SBI legacy console before the UART is mapped or when the
 * platform has none.  Output is serialised by printk's lock, not here.
 */
#ifndef HARTSLAB_KERNEL_CONSOLE_H
#define HARTSLAB_KERNEL_CONSOLE_H

#include "kernel/platform.h"

/* Switch from the SBI console to the platform's UART; 0 or -errno. */
int console_init(const struct platform_console *pc);
void console_putc(char c);
void console_write(const char *s, size_t n); /* "\n" goes out as "\r\n" */
int console_getc(void);			     /* -1 when nothing waits */
const char *console_name(void);

#endif
