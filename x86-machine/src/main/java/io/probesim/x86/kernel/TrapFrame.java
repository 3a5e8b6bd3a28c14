package io.probesim.x86.kernel;

/**
 * The interrupt frame's shape on each machine. x86-64 always pushes ss, rsp, rflags, cs, rip
 * (8 bytes each, stack aligned to 16 first). i386 pushes eflags, cs, eip (4 bytes each) and
 * adds ss, esp only on a privilege change (Intel SDM vol. 3, "Stack usage on transfers to
 * interrupt and exception-handling routines"). So the i386 kernel's pt_regs of a kernel-mode
 * trap ends at the ip, cs, flags fields, and its sp field is where the trapped context's stack
 * begins: kernel_stack_pointer(regs) is &regs->sp (arch/x86/include/asm/ptrace.h of 2.6.x to
 * 4.x, for !user_mode regs).
 */
public final class TrapFrame {
    private TrapFrame() {}

    /** i386, same privilege: eip, cs, eflags. */
    public static final int I386_KERNEL_BYTES = 12;
    /** i386, from user mode: eip, cs, eflags, esp, ss. */
    public static final int I386_USER_BYTES = 20;
}
