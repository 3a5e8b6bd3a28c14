/* Reads the clocks in a row and prints the raw values: CLOCK_MONOTONIC, gettimeofday, CLOCK_REALTIME, CLOCK_MONOTONIC. */
#include "common.h"

struct ts { long sec, nsec; };
struct tv { long sec, usec; };

void cstart(unsigned long *sp)
{
	(void) sp;
	struct ts m1, r, m2; struct tv v;
	sys3(NR_CLOCK_GETTIME, 1, (long) &m1, 0);
	sys3(NR_GETTIMEOFDAY, (long) &v, 0, 0);
	sys3(NR_CLOCK_GETTIME, 0, (long) &r, 0);
	sys3(NR_CLOCK_GETTIME, 1, (long) &m2, 0);
	line("mono1-sec", m1.sec); line("mono1-nsec", m1.nsec);
	line("tod-sec", v.sec); line("tod-usec", v.usec);
	line("real-sec", r.sec); line("real-nsec", r.nsec);
	line("mono2-sec", m2.sec); line("mono2-nsec", m2.nsec);
	exit_group(0);
}
