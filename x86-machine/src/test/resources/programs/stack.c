/* Prints what the kernel put on the initial stack: argc, argv, envp and some auxv entries. */
#include "common.h"

static void aux_line(unsigned long *auxv, unsigned long type, int string)
{
	for (; auxv[0] != 0; auxv += 2) {
		if (auxv[0] == type) {
			puts_fd(1, "aux "); put_num(type); puts_fd(1, " ");
			if (string) puts_fd(1, (const char *) auxv[1]); else put_hex(auxv[1]);
			puts_fd(1, "\n");
			return;
		}
	}
	puts_fd(1, "aux "); put_num(type); puts_fd(1, " absent\n");
}

void cstart(unsigned long *sp)
{
	long argc = (long) sp[0];
	char **argv = (char **) (sp + 1);
	char **envp = argv + argc + 1;
	line("sp%16", (long) ((unsigned long) sp % 16));
	line("argc", argc);
	for (long i = 0; i < argc; i++) { puts_fd(1, "argv "); put_num(i); puts_fd(1, " "); puts_fd(1, argv[i]); puts_fd(1, "\n"); }
	long n = 0;
	while (envp[n]) { puts_fd(1, "envp "); put_num(n); puts_fd(1, " "); puts_fd(1, envp[n]); puts_fd(1, "\n"); n++; }
	unsigned long *auxv = (unsigned long *) (envp + n + 1);
	/* AT_PHDR AT_PHENT AT_PHNUM AT_PAGESZ AT_ENTRY AT_CLKTCK, then the strings AT_PLATFORM and AT_EXECFN */
	aux_line(auxv, 3, 0); aux_line(auxv, 4, 0); aux_line(auxv, 5, 0); aux_line(auxv, 6, 0); aux_line(auxv, 9, 0);
	aux_line(auxv, 17, 0); aux_line(auxv, 15, 1); aux_line(auxv, 31, 1);
	for (unsigned long *a = auxv; a[0] != 0; a += 2)
		if (a[0] == 25) { unsigned char *r = (unsigned char *) a[1]; line("random-readable", r[0] + r[15] >= 0); }
	exit_group(0);
}
