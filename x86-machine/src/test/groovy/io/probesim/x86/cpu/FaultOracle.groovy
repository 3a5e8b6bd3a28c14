package io.probesim.x86.cpu

import java.nio.file.Path

/**
 * Asks the HOST CPU (and the Linux kernel that reports its exceptions) what a user-mode fault
 * looks like: a gcc-built harness maps pages at fixed user addresses with the given protections,
 * copies the code there, loads registers, jumps to it at CPL 3 and catches the signal the first
 * exception raises. It reports the vector (REG_TRAPNO), the error code (REG_ERR), rip and rsp at
 * the exception and si_addr (CR2 for a page fault). Every case ends in an exception: the code
 * under test faults, or the int3 that follows it traps.
 */
class FaultOracle {

    /** A page of a case: its address and PROT_* bits (1 read, 2 write, 4 exec; 0 PROT_NONE). */
    static class Page {
        long addr
        int prot
    }

    static class Case {
        String name
        List<Page> pages
        long codeAddr
        byte[] code
        long rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp
        // the host's answer
        long trapno, err, rip, sp, addr
        String toString() { name }
    }

    static final String PROGRAM = '''
#define _GNU_SOURCE
#include <signal.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static sigjmp_buf jb;
static volatile unsigned long long o_trap, o_err, o_rip, o_rsp, o_addr;

static void on_signal(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    o_trap = uc->uc_mcontext.gregs[REG_TRAPNO];
    o_err = uc->uc_mcontext.gregs[REG_ERR];
    o_rip = uc->uc_mcontext.gregs[REG_RIP];
    o_rsp = uc->uc_mcontext.gregs[REG_RSP];
    o_addr = (unsigned long long)(uintptr_t) si->si_addr;
    siglongjmp(jb, 1);
}

/* rax rbx rcx rdx rsi rdi rbp rsp, then the code address */
unsigned long long R[9];
void enter(void);
__asm__(".text\\n.globl enter\\nenter:\\n"
        "lea R(%rip), %rdi\\n"
        "mov 0(%rdi), %rax\\n mov 8(%rdi), %rbx\\n mov 16(%rdi), %rcx\\n mov 24(%rdi), %rdx\\n"
        "mov 32(%rdi), %rsi\\n mov 48(%rdi), %rbp\\n mov 56(%rdi), %rsp\\n"
        "mov 40(%rdi), %rdi\\n"
        "jmp *R+64(%rip)\\n");

int main(void) {
    static char altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    if (sigaltstack(&ss, 0)) { perror("sigaltstack"); return 2; }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE };
    for (int i = 0; i < 5; i++) sigaction(sigs[i], &sa, 0);
    int npages;
    while (scanf("%d", &npages) == 1) {
        unsigned long long addr[8]; int prot[8];
        for (int i = 0; i < npages; i++) {
            scanf("%llx %d", &addr[i], &prot[i]);
            void *p = mmap((void *) addr[i], 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
            if (p != (void *) addr[i]) { printf("mmap %llx failed\\n", addr[i]); return 2; }
            memset(p, 0, 4096);         /* populate: a present page, so protection faults have P set */
        }
        unsigned long long code; int n;
        scanf("%llx %d", &code, &n);
        for (int i = 0; i < n; i++) { unsigned b; scanf("%2x", &b); ((unsigned char *) code)[i] = (unsigned char) b; }
        for (int i = 0; i < 8; i++) scanf("%llx", &R[i]);
        R[8] = code;
        for (int i = 0; i < npages; i++) mprotect((void *) addr[i], 4096, prot[i]);
        if (sigsetjmp(jb, 1) == 0) enter();
        printf("%llx %llx %llx %llx %llx\\n", o_trap, o_err, o_rip, o_rsp, o_addr);
        fflush(stdout);
        for (int i = 0; i < npages; i++) munmap((void *) addr[i], 4096);
    }
    return 0;
}
'''

    /** Runs every case on the host and fills in its answer. */
    static void run(List<Case> cases) {
        Path exe = HostOracle.compile(PROGRAM)
        def sb = new StringBuilder()
        cases.each { c ->
            sb << c.pages.size()
            c.pages.each { p -> sb << " ${Long.toHexString(p.addr)} ${p.prot}" }
            sb << " ${Long.toHexString(c.codeAddr)} ${c.code.length} "
            c.code.each { b -> sb << String.format('%02x', b & 0xff) }
            [c.rax, c.rbx, c.rcx, c.rdx, c.rsi, c.rdi, c.rbp, c.rsp].each { sb << ' ' << Long.toHexString(it) }
            sb << '\n'
        }
        List<String> lines = HostOracle.answer(exe, sb.toString(), cases.size())
        lines.eachWithIndex { String line, int i ->
            def f = line.trim().split(' ')
            assert f.length == 5: "unexpected host answer '$line' for ${cases[i]}"
            def c = cases[i]
            c.trapno = Long.parseUnsignedLong(f[0], 16)
            c.err = Long.parseUnsignedLong(f[1], 16)
            c.rip = Long.parseUnsignedLong(f[2], 16)
            c.sp = Long.parseUnsignedLong(f[3], 16)
            c.addr = Long.parseUnsignedLong(f[4], 16)
        }
    }
}
