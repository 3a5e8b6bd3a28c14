package io.probesim.x86.kernel;

/**
 * Where things live in the simulated 64-bit kernel address space. The values follow the
 * x86-64 kernel's map (kernel text at -2 GiB, modules just above it, vmalloc'd stacks)
 * so that RIP-relative reach and canonical-address rules behave as on a real kernel.
 */
public final class Layout {
    private Layout() {}

    /** Scenario text and loaded objects. */
    public static final long KERNEL_TEXT = 0xffffffff81000000L;
    /** Entry points of kernel routines that run as Java (see {@link Natives}). */
    public static final long NATIVE_TEXT = 0xffffffff80f00000L;
    /** Module space: kprobe instruction slots and detour buffers, within +-2 GiB of text. */
    public static final long MODULE_SPACE = 0xffffffffa0000000L;
    /** Kernel stacks, one region per task. */
    public static final long STACKS = 0xffffc90000000000L;
    public static final long STACK_SIZE = 16 * 1024;
    /** Per-CPU NMI stacks (the NMI's interrupt stack, IST), in the cpu_entry_area as on x86-64. */
    public static final long NMI_STACKS = 0xfffffe0000000000L;
    public static final long NMI_STACK_SIZE = 4096;
    /** One NMI stack and an unmapped guard page per CPU. */
    public static final long NMI_STACK_STRIDE = 2 * 4096;
    /** Data pages a scenario's text may use (`.data` style scratch). */
    public static final long KERNEL_DATA = 0xffffffff82000000L;

    public static final long KERNEL_CS = 0x10;
    public static final long KERNEL_SS = 0x18;
}
