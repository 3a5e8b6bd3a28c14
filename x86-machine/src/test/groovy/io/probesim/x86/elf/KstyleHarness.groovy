package io.probesim.x86.elf

import io.probesim.x86.decode.Mode

import java.nio.file.Path

/**
 * Calls of the kstyle functions, run twice: natively, by a freestanding harness gcc links with
 * the committed object at test time (the host CPU executes the same machine code, relocated by
 * GNU ld), and on the emulated CPU after our loader placed and relocated the object. Each case
 * answers one line "ret extra" in hex. i386 functions use regparm(3), like the object.
 */
class KstyleHarness {

    static final int DISPATCH = 0, CHECKSUM = 1, FIB = 2, FFS = 3, HWEIGHT = 4, LEAF = 5, COUNTER = 6, WORK = 7, GET_USER = 8, LIST = 9

    static List<long[]> cases(Mode mode, long seed, int n) {
        def rnd = new Random(seed)
        boolean b64 = mode == Mode.BITS64
        def value = { ->
            switch (rnd.nextInt(8)) {
                case 0: return [0L, 1L, -1L, b64 ? Long.MIN_VALUE : Integer.MIN_VALUE, b64 ? Long.MAX_VALUE : Integer.MAX_VALUE][rnd.nextInt(5)]
                case 1: return (long) rnd.nextInt(100)
                default: return b64 ? rnd.nextLong() : (long) rnd.nextInt()
            }
        }
        long min = b64 ? Long.MIN_VALUE : Integer.MIN_VALUE
        List<long[]> out = []
        for (int i = 0; i < n; i++) {
            int fn = rnd.nextInt(10)
            long a = 0, b = 0, c = 0
            switch (fn) {
                case DISPATCH:
                    a = rnd.nextInt(15) - 2; b = value(); c = value()
                    if (a == 3 && b == min && c == -1) c = 1          // the one division the CPU refuses (#DE): not a loader matter
                    break
                case CHECKSUM: a = rnd.nextInt(200); b = rnd.nextInt(56); break
                case FIB: a = rnd.nextInt(19); break
                case LIST: a = rnd.nextInt(41); break
                default: a = value()
            }
            out << ([fn, a, b, c] as long[])
        }
        out
    }

    static String source(List<long[]> cases) {
        def rows = cases.collect { "{${it[0]}L, ${lit(it[1])}, ${lit(it[2])}, ${lit(it[3])}}" }.join(',\n  ')
        """
typedef unsigned long u64; typedef unsigned int u32;
struct list_head { struct list_head *next, *prev; };
long dispatch_op(int op, long a, long b);
long get_user_long(long *value, const long *uaddr);
u32 checksum_loop(const unsigned char *p, unsigned long n);
long list_count(const struct list_head *head);
void list_add_tail(struct list_head *node, struct list_head *head);
long find_first_set(u64 word);
long hweight(u64 w);
u64 counter_add(u64 delta);
long fib_recursive(long n);
long short_leaf(long x);
long do_work(long n);
static long sys3(long nr, long a, long b, long c) {
  long r;
#ifdef __x86_64__
  asm volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
#else
  asm volatile("int \$0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
#endif
  return r;
}
#ifdef __x86_64__
#define NR_WRITE 1
#define NR_EXIT 60
#else
#define NR_WRITE 4
#define NR_EXIT 1
#endif
static char out[1 << 16]; static int outn;
static void flush(void) { sys3(NR_WRITE, 1, (long) out, outn); outn = 0; }
static void hex(unsigned long v) { char t[20]; int n = 0; do { t[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v); while (n) out[outn++] = t[--n]; }
static void line(unsigned long a, unsigned long b) { if (outn > (1 << 16) - 64) flush(); hex(a); out[outn++] = ' '; hex(b); out[outn++] = '\\n'; }
static unsigned char buf[256];
static struct list_head nodes[64];
static const long cases[][4] = {
  ${rows}
};
void __attribute__((noreturn, force_align_arg_pointer)) _start(void) {
  for (int i = 0; i < 256; i++) buf[i] = (unsigned char) (i * 37 + 11);
  for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    long f = cases[i][0], a = cases[i][1], b = cases[i][2], c = cases[i][3];
    unsigned long r = 0, x = 0;
    switch (f) {
      case ${DISPATCH}: r = dispatch_op((int) a, b, c); break;
      case ${CHECKSUM}: r = checksum_loop(buf + a, b); break;
      case ${FIB}: r = fib_recursive(a); break;
      case ${FFS}: r = find_first_set(a); break;
      case ${HWEIGHT}: r = hweight(a); break;
      case ${LEAF}: r = short_leaf(a); break;
      case ${COUNTER}: r = counter_add(a); break;
      case ${WORK}: r = do_work(a); break;
      case ${GET_USER}: { long xv = a, v = -1; r = get_user_long(&v, &xv); x = v; break; }
      case ${LIST}: { struct list_head head = { &head, &head }; for (long k = 0; k < a; k++) list_add_tail(&nodes[k], &head); r = list_count(&head); break; }
    }
    line(r, x);
  }
  flush();
  sys3(NR_EXIT, 0, 0, 0);
  for (;;) ;
}
"""
    }

    private static String lit(long v) {
        v == Long.MIN_VALUE ? '(-0x7fffffffffffffffL - 1)' : "${v}L"
    }

    /** Builds the harness for `mode` linked with `object`; the executable's path. */
    static Path build(Mode mode, Path object, List<long[]> cases) {
        Path src = ElfTools.source('kstyle-harness.c', source(cases))
        List<String> flags = ['-O1', '-ffreestanding', '-nostdlib', '-static', '-fno-pie', '-no-pie', '-fno-stack-protector',
                              '-fcf-protection=none', '-fno-asynchronous-unwind-tables']
        if (mode == Mode.BITS32) flags = ['-m32', '-mregparm=3'] + flags
        ElfTools.gcc(flags + [src.toString(), object.toAbsolutePath().toString()], mode == Mode.BITS64 ? 'harness64' : 'harness32')
    }

    /** The host CPU's answers. */
    static List<String> host(Path exe, int cases) {
        def run = ElfTools.runNative(exe)
        assert run.exit == 0: "the harness failed natively (exit ${run.exit}): ${new String(run.stderr)}"
        List<String> lines = run.text().readLines()
        assert lines.size() == cases: "the harness answered ${lines.size()} lines for ${cases} cases"
        lines
    }

    /** The same calls on the emulated CPU, the object loaded into `bed`. */
    static List<String> emulated(KernelBed bed, List<long[]> cases) {
        int w = bed.word()
        long buf = bed.scratch, x = bed.scratch + 0x400, v = x + w, head = bed.scratch + 0x800, nodes = bed.scratch + 0x900
        for (int i = 0; i < 256; i++) bed.kernel.memory().write8(buf + i, (i * 37 + 11) & 0xff)
        cases.collect { long[] c ->
            long a = c[1], r, extra = 0
            switch ((int) c[0]) {
                case DISPATCH: r = bed.call('dispatch_op', a, c[2], c[3]); break
                case CHECKSUM: r = bed.call('checksum_loop', buf + a, c[2]); break
                case FIB: r = bed.call('fib_recursive', a); break
                case FFS: r = bed.call('find_first_set', a); break
                case HWEIGHT: r = bed.call('hweight', a); break
                case LEAF: r = bed.call('short_leaf', a); break
                case COUNTER: r = bed.call('counter_add', a); break
                case WORK: r = bed.call('do_work', a); break
                case GET_USER:
                    bed.putWord(x, a); bed.putWord(v, -1)
                    r = bed.call('get_user_long', v, x); extra = bed.getWord(v)
                    break
                case LIST:
                    bed.putWord(head, head); bed.putWord(head + w, head)
                    for (long k = 0; k < a; k++) bed.call('list_add_tail', nodes + k * 2 * w, head)
                    r = bed.call('list_count', head)
                    break
                default: throw new IllegalStateException("case ${c[0]}")
            }
            Long.toHexString(bed.mask(r)) + ' ' + Long.toHexString(bed.mask(extra))
        }
    }
}
