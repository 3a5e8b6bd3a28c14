/* Faults in user mode, chosen by argv[1]; each ends the process with a signal on Linux. */
#include "common.h"

static int eq(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }

void cstart(unsigned long *sp)
{
	char **argv = (char **) (sp + 1);
	const char *what = argv[1];
	volatile long zero = 0, hundred = 100;
	puts_fd(1, "before\n");
	if (eq(what, "null")) line("value", *(volatile long *) zero);
#ifdef __x86_64__
	if (eq(what, "kernel")) line("value", *(volatile long *) 0xffffffff80f00000UL);
#else
	if (eq(what, "kernel")) line("value", *(volatile long *) 0xc0f00000UL);
#endif
	if (eq(what, "write-text")) *(volatile char *) (unsigned long) &cstart = 0;
	if (eq(what, "cli")) asm volatile("cli");
	if (eq(what, "hlt")) asm volatile("hlt");
	if (eq(what, "ud2")) asm volatile("ud2");
	if (eq(what, "int3")) asm volatile("int3");
	if (eq(what, "int81")) asm volatile("int $0x81");
	if (eq(what, "div0")) line("value", hundred / zero);
	puts_fd(1, "after\n");
	exit_group(0);
}
