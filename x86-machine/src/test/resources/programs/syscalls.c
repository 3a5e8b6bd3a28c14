/* System call results a program can compare: output, errors, exit status. */
#include "common.h"

struct ts { long sec, nsec; };
struct tv { long sec, usec; };

void cstart(unsigned long *sp)
{
	(void) sp;
	puts_fd(1, "to stdout\n");
	puts_fd(2, "to stderr\n");
	line("write-count", sys3(NR_WRITE, 1, (long) "abc\n", 4));
	line("write-zero", sys3(NR_WRITE, 1, (long) "x", 0));
	line("write-badfd", sys3(NR_WRITE, 7, (long) "x", 1));
	line("write-badbuf", sys3(NR_WRITE, 1, 16, 4));
	long pid = sys3(NR_GETPID, 0, 0, 0);
	line("pid-positive", pid > 0);
	line("int80-getpid-same", int80(20, 0, 0, 0) == pid);
	line("unknown", sys3(999, 0, 0, 0));
	struct ts t; struct tv v;
	line("clock-realtime", sys3(NR_CLOCK_GETTIME, 0, (long) &t, 0));
	line("nsec-in-range", t.nsec >= 0 && t.nsec < 1000000000L);
	line("clock-monotonic", sys3(NR_CLOCK_GETTIME, 1, (long) &t, 0));
	line("clock-bad", sys3(NR_CLOCK_GETTIME, 12345, (long) &t, 0));
	line("clock-badptr", sys3(NR_CLOCK_GETTIME, 1, 16, 0));
	line("gettimeofday", sys3(NR_GETTIMEOFDAY, (long) &v, 0, 0));
	line("usec-in-range", v.usec >= 0 && v.usec < 1000000L);
	exit_group(3);
}
