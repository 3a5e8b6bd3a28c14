/*
 * Host-CPU runner for SequenceSpec: executes instruction sequences natively and reports the state
 * they leave. Built at test time by gcc, freestanding (no libc: the machine has no 32-bit libc),
 * once with -m64 and once with -m32; raw Linux system calls only.
 *
 * Fixed addresses, the same in the simulator:
 *   CODE  one RWX page; a sequence's bytes at its start, then "jmp *C_EXIT"; the rest int3.
 *   PAGE  one RW page whose last WIN_LEN bytes, from WIN, are the window the sequence may use (data
 *         at 0..0xff, stack at 0x100..0x2ff), filled from a seed; the rest of the page must stay
 *         zero, and the page after it is unmapped (a string instruction may run into it). The window
 *         lies below 64 KiB so that 16-bit addressing (32-bit mode, 67 prefix) reaches it too.
 *   CTRL  two RW pages: the register images in and out, the host stack pointer, jump slots, and a
 *         scratch stack for the flag pushes of entry and exit.
 * In 64-bit mode the FS and GS bases are set to FS_BASE and GS_BASE (the simulator does the same).
 *
 * stdin, per sequence (little-endian; "reg" is 8 bytes with -m64, 4 with -m32):
 *   u32 code length, u32 fill kind, u64 fill seed, reg regs[NREG], reg flags, code bytes.
 *   Register order is the encoding order: ax cx dx bx sp bp si di (r8..r15).
 * stdout, per sequence:
 *   u32 signal (0: the sequence ran to its end), u32 outside (1: a byte of PAGE below the window changed),
 *   u32 changed words, u32 0, reg regs[NREG], reg flags, reg ip (at the end, or where the signal
 *   hit), reg fault address (si_addr), then per changed 4-byte word of the window: u32 offset, u32 value.
 * A signal (SIGFPE for #DE, SIGSEGV, SIGILL, SIGTRAP, SIGBUS) stops a sequence: its handler, on an
 * alternate stack, records the interrupted registers from the signal frame and resumes at fault_exit.
 */

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

#if defined(__x86_64__)
typedef unsigned long reg_t;
#define NREG 16
#else
typedef unsigned int reg_t;
#define NREG 8
#endif

#define S_(x) #x
#define S(x) S_(x)

#define CODE 0x20000000
#define PAGE 0x8000
#define WIN 0x8d00
#define WIN_LEN 0x300
#define FS_BASE 0x100
#define GS_BASE 0x200
#define CTRL 0x21000000
/* slots in CTRL */
#define C_IN 0x21000000
#define C_OUT 0x21000080
#define C_FLAGS_IN 0x21000100
#define C_FLAGS_OUT 0x21000108
#define C_HOSTSP 0x21000110
#define C_ENTRY 0x21000118
#define C_EXIT 0x21000120
#define C_SCRATCH 0x21002000

/* ------------------------------------------------------------------ system calls and entry */

long sysc(long n, long a, long b, long c, long d, long e, long f);
void restorer(void);
void run_seq(void);
void seq_exit(void);
void fault_exit(void);

#if defined(__x86_64__)
#define SYS_READ 0
#define SYS_WRITE 1
#define SYS_MMAP 9
#define SYS_SIGACTION 13
#define SYS_SIGALTSTACK 131
#define SYS_EXIT 231
#define SYS_ARCH_PRCTL 158
__asm__(
    ".text\n"
    ".globl _start\n_start:\n"
    "  xor %ebp, %ebp\n  and $-16, %rsp\n  call main_\n  hlt\n"
    "sysc:\n"
    "  mov %rdi, %rax\n  mov %rsi, %rdi\n  mov %rdx, %rsi\n  mov %rcx, %rdx\n"
    "  mov %r8, %r10\n  mov %r9, %r8\n  mov 8(%rsp), %r9\n  syscall\n  ret\n"
    "restorer:\n  mov $15, %eax\n  syscall\n  hlt\n"
    /* run_seq: save the host's callee-saved registers and stack, load flags and all 16 registers, enter CODE */
    "run_seq:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  mov %rsp, " S(C_HOSTSP) "\n"
    "  mov $" S(C_SCRATCH) ", %rsp\n"
    "  pushq " S(C_FLAGS_IN) "\n  popfq\n"
    "  mov " S(C_IN) "+0, %rax\n  mov " S(C_IN) "+8, %rcx\n  mov " S(C_IN) "+16, %rdx\n  mov " S(C_IN) "+24, %rbx\n"
    "  mov " S(C_IN) "+32, %rsp\n  mov " S(C_IN) "+40, %rbp\n  mov " S(C_IN) "+48, %rsi\n  mov " S(C_IN) "+56, %rdi\n"
    "  mov " S(C_IN) "+64, %r8\n  mov " S(C_IN) "+72, %r9\n  mov " S(C_IN) "+80, %r10\n  mov " S(C_IN) "+88, %r11\n"
    "  mov " S(C_IN) "+96, %r12\n  mov " S(C_IN) "+104, %r13\n  mov " S(C_IN) "+112, %r14\n  mov " S(C_IN) "+120, %r15\n"
    "  jmp *" S(C_ENTRY) "\n"
    "seq_exit:\n"
    "  mov %rax, " S(C_OUT) "+0\n  mov %rcx, " S(C_OUT) "+8\n  mov %rdx, " S(C_OUT) "+16\n  mov %rbx, " S(C_OUT) "+24\n"
    "  mov %rsp, " S(C_OUT) "+32\n  mov %rbp, " S(C_OUT) "+40\n  mov %rsi, " S(C_OUT) "+48\n  mov %rdi, " S(C_OUT) "+56\n"
    "  mov %r8, " S(C_OUT) "+64\n  mov %r9, " S(C_OUT) "+72\n  mov %r10, " S(C_OUT) "+80\n  mov %r11, " S(C_OUT) "+88\n"
    "  mov %r12, " S(C_OUT) "+96\n  mov %r13, " S(C_OUT) "+104\n  mov %r14, " S(C_OUT) "+112\n  mov %r15, " S(C_OUT) "+120\n"
    "  mov $" S(C_SCRATCH) ", %rsp\n  pushfq\n  popq " S(C_FLAGS_OUT) "\n  cld\n"
    "fault_exit:\n"
    "  mov " S(C_HOSTSP) ", %rsp\n"
    "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n  ret\n");
/* struct sigcontext (x86-64) as 8-byte slots after the 40-byte ucontext head; our register order */
#define UC_GREGS 40
static const int UC_REG[NREG] = {13, 14, 12, 11, 15, 10, 9, 8, 0, 1, 2, 3, 4, 5, 6, 7};
#define UC_IP 16
#define UC_FLAGS 17
#define SI_ADDR 16
static const u8 EXIT_JMP[] = {0xff, 0x24, 0x25, 0x20, 0x01, 0x00, 0x21};   /* jmp *C_EXIT */
#else
#define SYS_READ 3
#define SYS_WRITE 4
#define SYS_MMAP 192
#define SYS_SIGACTION 174
#define SYS_SIGALTSTACK 186
#define SYS_EXIT 252
__asm__(
    ".text\n"
    ".globl _start\n_start:\n"
    "  xor %ebp, %ebp\n  and $-16, %esp\n  call main_\n  hlt\n"
    "sysc:\n"
    "  push %ebp\n  push %ebx\n  push %esi\n  push %edi\n"
    "  mov 20(%esp), %eax\n  mov 24(%esp), %ebx\n  mov 28(%esp), %ecx\n  mov 32(%esp), %edx\n"
    "  mov 36(%esp), %esi\n  mov 40(%esp), %edi\n  mov 44(%esp), %ebp\n  int $0x80\n"
    "  pop %edi\n  pop %esi\n  pop %ebx\n  pop %ebp\n  ret\n"
    "restorer:\n  mov $173, %eax\n  int $0x80\n  hlt\n"
    "run_seq:\n"
    "  push %ebx\n  push %ebp\n  push %esi\n  push %edi\n"
    "  mov %esp, " S(C_HOSTSP) "\n"
    "  mov $" S(C_SCRATCH) ", %esp\n"
    "  pushl " S(C_FLAGS_IN) "\n  popfl\n"
    "  mov " S(C_IN) "+0, %eax\n  mov " S(C_IN) "+4, %ecx\n  mov " S(C_IN) "+8, %edx\n  mov " S(C_IN) "+12, %ebx\n"
    "  mov " S(C_IN) "+16, %esp\n  mov " S(C_IN) "+20, %ebp\n  mov " S(C_IN) "+24, %esi\n  mov " S(C_IN) "+28, %edi\n"
    "  jmp *" S(C_ENTRY) "\n"
    "seq_exit:\n"
    "  mov %eax, " S(C_OUT) "+0\n  mov %ecx, " S(C_OUT) "+4\n  mov %edx, " S(C_OUT) "+8\n  mov %ebx, " S(C_OUT) "+12\n"
    "  mov %esp, " S(C_OUT) "+16\n  mov %ebp, " S(C_OUT) "+20\n  mov %esi, " S(C_OUT) "+24\n  mov %edi, " S(C_OUT) "+28\n"
    "  mov $" S(C_SCRATCH) ", %esp\n  pushfl\n  popl " S(C_FLAGS_OUT) "\n  cld\n"
    "fault_exit:\n"
    "  mov " S(C_HOSTSP) ", %esp\n"
    "  pop %edi\n  pop %esi\n  pop %ebp\n  pop %ebx\n  ret\n");
/* struct sigcontext (i386) as 4-byte slots after the 20-byte ucontext head; our register order */
#define UC_GREGS 20
static const int UC_REG[NREG] = {11, 10, 9, 8, 7, 6, 5, 4};
#define UC_IP 14
#define UC_FLAGS 16
#define SI_ADDR 12
static const u8 EXIT_JMP[] = {0xff, 0x25, 0x20, 0x01, 0x00, 0x21};         /* jmp *C_EXIT */
#endif

#define SIGILL 4
#define SIGTRAP 5
#define SIGBUS 7
#define SIGFPE 8
#define SIGSEGV 11
#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define FLAG_TF 0x100
#define FLAG_DF 0x400
#define FLAG_AC 0x40000

struct ksigaction { void *handler; unsigned long flags; void *restorer; u32 mask[2]; };
struct kstack { void *sp; int flags; unsigned long size; };

void *memcpy(void *d, const void *s, unsigned long n) { u8 *a = d; const u8 *b = s; while (n--) *a++ = *b++; return d; }
void *memset(void *d, int c, unsigned long n) { u8 *a = d; while (n--) *a++ = (u8) c; return d; }

static void die(const char *msg) {
    unsigned long n = 0;
    while (msg[n]) n++;
    sysc(SYS_WRITE, 2, (long) msg, n, 0, 0, 0);
    sysc(SYS_EXIT, 3, 0, 0, 0, 0, 0);
}

static void map_fixed(unsigned long addr, unsigned long len, int prot) {
    long r = sysc(SYS_MMAP, addr, len, prot, 0x02 | 0x20 | 0x100000 /* PRIVATE ANONYMOUS FIXED_NOREPLACE */, -1, 0);
    if ((unsigned long) r != addr) die("seqrunner: cannot map a fixed page\n");
}

/* ------------------------------------------------------------------ buffered I/O */

static u8 ibuf[1 << 16], obuf[1 << 16];
static unsigned long ipos, ilen, opos;

static int get(void *dst, unsigned long n, int eofOk) {
    u8 *d = dst;
    while (n > 0) {
        if (ipos == ilen) {
            long r = sysc(SYS_READ, 0, (long) ibuf, sizeof ibuf, 0, 0, 0);
            if (r <= 0) {
                if (eofOk && r == 0) return 0;
                die("seqrunner: truncated input\n");
            }
            ipos = 0;
            ilen = (unsigned long) r;
            eofOk = 0;
        }
        unsigned long k = ilen - ipos < n ? ilen - ipos : n;
        memcpy(d, ibuf + ipos, k);
        ipos += k; d += k; n -= k;
        eofOk = 0;
    }
    return 1;
}

static void flush(void) {
    unsigned long done = 0;
    while (done < opos) {
        long r = sysc(SYS_WRITE, 1, (long) (obuf + done), opos - done, 0, 0, 0);
        if (r <= 0) die("seqrunner: write failed\n");
        done += (unsigned long) r;
    }
    opos = 0;
}

static void put(const void *src, unsigned long n) {
    if (opos + n > sizeof obuf) flush();
    memcpy(obuf + opos, src, n);
    opos += n;
}

/* ------------------------------------------------------------------ the window's fill (same generator in SequenceSpec) */

static u8 orig[WIN_LEN];

static void fill(u64 seed, u32 kind) {
    u64 s = seed | 1;
    u8 *w = (u8 *) WIN;
    for (int i = 0; i < WIN_LEN; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        u32 x = (u32) (s >> 24) & 0xff;
        if (kind > 0) x = x % kind;
        w[i] = (u8) x;
    }
    if (kind == 1) w[(u32) (seed >> 8) % WIN_LEN] = 1;
    memcpy(orig, w, WIN_LEN);
}

/* ------------------------------------------------------------------ signals */

static volatile u32 sig;
static volatile reg_t faultIp, faultAddr;

static void handler(int signo, void *info, void *ucv) {
    reg_t *g = (reg_t *) ((u8 *) ucv + UC_GREGS);
    reg_t *out = (reg_t *) C_OUT;
    for (int i = 0; i < NREG; i++) out[i] = g[UC_REG[i]];
    *(reg_t *) C_FLAGS_OUT = g[UC_FLAGS];
    faultIp = g[UC_IP];
    faultAddr = *(reg_t *) ((u8 *) info + SI_ADDR);
    sig = (u32) signo;
    g[UC_IP] = (reg_t) fault_exit;
    g[UC_FLAGS] &= ~(reg_t) (FLAG_DF | FLAG_TF | FLAG_AC);
}

static u8 altstack[1 << 16];

static void install(void) {
    struct kstack ss = {altstack, 0, sizeof altstack};
    if (sysc(SYS_SIGALTSTACK, (long) &ss, 0, 0, 0, 0, 0) != 0) die("seqrunner: sigaltstack failed\n");
    static const int sigs[] = {SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV};
    for (int i = 0; i < 5; i++) {
        struct ksigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.handler = (void *) handler;
        sa.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER;
        sa.restorer = (void *) restorer;
        if (sysc(SYS_SIGACTION, sigs[i], (long) &sa, 0, 8, 0, 0) != 0) die("seqrunner: sigaction failed\n");
    }
}

/* ------------------------------------------------------------------ main loop */

void main_(void) {
    map_fixed(CODE, 0x1000, 7);
    map_fixed(PAGE, 0x1000, 3);
    map_fixed(CTRL, 0x2000, 3);
    install();
#if defined(__x86_64__)
    if (sysc(SYS_ARCH_PRCTL, 0x1002 /* ARCH_SET_FS */, FS_BASE, 0, 0, 0, 0) != 0
        || sysc(SYS_ARCH_PRCTL, 0x1001 /* ARCH_SET_GS */, GS_BASE, 0, 0, 0, 0) != 0) die("seqrunner: arch_prctl failed\n");
#endif
    memset((void *) CODE, 0xcc, 0x1000);
    *(reg_t *) C_ENTRY = CODE;
    *(reg_t *) C_EXIT = (reg_t) seq_exit;
    for (;;) {
        u32 hdr[2];
        u64 seed;
        if (!get(hdr, sizeof hdr, 1)) break;
        get(&seed, 8, 0);
        get((void *) C_IN, NREG * sizeof(reg_t), 0);
        get((void *) C_FLAGS_IN, sizeof(reg_t), 0);
        u32 len = hdr[0];
        if (len + sizeof EXIT_JMP > 0x1000) die("seqrunner: sequence too long\n");
        get((void *) CODE, len, 0);
        memcpy((u8 *) CODE + len, EXIT_JMP, sizeof EXIT_JMP);
        fill(seed, hdr[1]);
        sig = 0;
        run_seq();
        u32 rec[4] = {sig, 0, 0, 0};
        u8 *w = (u8 *) WIN, *p = (u8 *) PAGE;
        for (int i = 0; i < WIN - PAGE; i++) {
            if (p[i]) { rec[1] = 1; p[i] = 0; }
        }
        for (int i = 0; i < WIN_LEN; i += 4) {
            if (*(u32 *) (w + i) != *(u32 *) (orig + i)) rec[2]++;
        }
        reg_t tail[2] = {sig ? faultIp : (reg_t) (CODE + len), sig ? faultAddr : 0};
        put(rec, sizeof rec);
        put((void *) C_OUT, NREG * sizeof(reg_t));
        put((void *) C_FLAGS_OUT, sizeof(reg_t));
        put(tail, sizeof tail);
        for (u32 i = 0; i < WIN_LEN; i += 4) {
            if (*(u32 *) (w + i) != *(u32 *) (orig + i)) {
                u32 pair[2] = {i, *(u32 *) (w + i)};
                put(pair, sizeof pair);
            }
        }
        memset((void *) CODE, 0xcc, len + sizeof EXIT_JMP);
    }
    flush();
    sysc(SYS_EXIT, 0, 0, 0, 0, 0, 0);
}
