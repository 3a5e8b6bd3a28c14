/* Freestanding helpers for probesim's user-program specs: raw system calls and plain output. */
#ifdef __x86_64__
#define NR_WRITE 1
#define NR_GETPID 39
#define NR_EXIT_GROUP 231
#define NR_CLOCK_GETTIME 228
#define NR_GETTIMEOFDAY 96
static long sys3(long nr, long a, long b, long c)
{
	long r;
	asm volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}
#else
#define NR_WRITE 4
#define NR_GETPID 20
#define NR_EXIT_GROUP 252
#define NR_CLOCK_GETTIME 265
#define NR_GETTIMEOFDAY 78
#endif
/* The i386 ABI through int $0x80, available to 64-bit programs too (IA32 emulation). */
static long int80(long nr, long a, long b, long c)
{
	long r;
	asm volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}
#ifndef __x86_64__
#define sys3 int80
#endif

static long len(const char *s) { long n = 0; while (s[n]) n++; return n; }
static void puts_fd(int fd, const char *s) { sys3(NR_WRITE, fd, (long) s, len(s)); }
static void put_num(long v)
{
	char b[24]; int n = 0; int neg = v < 0; unsigned long u = neg ? -(unsigned long) v : (unsigned long) v;
	do { b[n++] = '0' + u % 10; u /= 10; } while (u);
	if (neg) b[n++] = '-';
	char o[24]; int k = 0; while (n) o[k++] = b[--n]; o[k] = 0;
	puts_fd(1, o);
}
static void put_hex(unsigned long v)
{
	char b[20]; int n = 0; do { b[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
	char o[24]; int k = 0; o[k++] = '0'; o[k++] = 'x'; while (n) o[k++] = b[--n]; o[k] = 0;
	puts_fd(1, o);
}
static void line(const char *key, long v) { puts_fd(1, key); puts_fd(1, " "); put_num(v); puts_fd(1, "\n"); }
static void __attribute__((noreturn)) exit_group(int status) { sys3(NR_EXIT_GROUP, status, 0, 0); for (;;) ; }

/* _start passes the initial stack pointer to cstart (16-byte aligned call, as the ABI wants). */
#ifdef __x86_64__
asm(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall cstart\n\thlt\n");
#else
asm(".globl _start\n_start:\n\tmov %esp, %eax\n\tand $-16, %esp\n\tsub $12, %esp\n\tpush %eax\n\tcall cstart\n\thlt\n");
#endif
