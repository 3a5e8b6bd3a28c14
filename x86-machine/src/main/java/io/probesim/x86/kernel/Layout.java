package io.probesim.x86.kernel;

import io.probesim.x86.decode.Mode;

/**
 * Where things live in the simulated kernel address space. The 64-bit values follow the x86-64
 * kernel's map (kernel text at -2 GiB, modules just above it, vmalloc'd stacks) so that
 * RIP-relative reach and canonical-address rules behave as on a real kernel; the 32-bit ones
 * follow i386 with the 3G/1G split (PAGE_OFFSET 0xc0000000, modules in the vmalloc area).
 */
public final class Layout {
    private Layout() {}

    /** Scenario text and loaded objects. */
    public static final long KERNEL_TEXT = 0xffffffff81000000L;
    /** Entry points of kernel routines that run as Java (see {@link Natives}). */
    public static final long NATIVE_TEXT = 0xffffffff80f00000L;
    /** Module space: kprobe instruction slots and detour buffers, within +-2 GiB of text. */
    public static final long MODULE_SPACE = 0xffffffffa0000000L;
    /**
     * Where loaded objects go: module space above its first 16 MiB, which the kprobe
     * instruction pages take from {@link #MODULE_SPACE} up.
     */
    public static final long MODULE_LOAD = MODULE_SPACE + 0x1000000L;
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
    /** TASK_SIZE on x86-64 (47-bit user space less its last page): user space ends here. */
    public static final long TASK_SIZE = 0x00007ffffffff000L;

    /** The i386 kernel's PAGE_OFFSET: user space ends here (3G/1G split). */
    public static final long TASK_SIZE_32 = 0xc0000000L;
    public static final long KERNEL_TEXT_32 = 0xc1000000L;
    public static final long NATIVE_TEXT_32 = 0xc0f00000L;
    public static final long KERNEL_DATA_32 = 0xc2000000L;
    /** Module space of a 32-bit kernel (vmalloc area); loaded objects from its 16 MiB mark, as on x86-64. */
    public static final long MODULE_SPACE_32 = 0xf8000000L;
    public static final long MODULE_LOAD_32 = MODULE_SPACE_32 + 0x1000000L;
    public static final long STACKS_32 = 0xe0000000L;

    public static final long KERNEL_CS = 0x10;
    public static final long KERNEL_SS = 0x18;
    /** x86-64 __USER_CS / __USER_DS (RPL 3). */
    public static final int USER_CS = 0x33, USER_SS = 0x2b;
    /** i386 __USER_CS / __USER_DS (RPL 3). */
    public static final int USER_CS_32 = 0x73, USER_SS_32 = 0x7b;

    public static long nativeText(Mode mode) { return mode == Mode.BITS64 ? NATIVE_TEXT : NATIVE_TEXT_32; }
    public static long stacks(Mode mode) { return mode == Mode.BITS64 ? STACKS : STACKS_32; }
    public static long moduleLoad(Mode mode) { return mode == Mode.BITS64 ? MODULE_LOAD : MODULE_LOAD_32; }
    public static long taskSize(Mode mode) { return mode == Mode.BITS64 ? TASK_SIZE : TASK_SIZE_32; }
    public static int userCs(Mode mode) { return mode == Mode.BITS64 ? USER_CS : USER_CS_32; }
    public static int userSs(Mode mode) { return mode == Mode.BITS64 ? USER_SS : USER_SS_32; }
    /** Where kprobe instruction slots, trampolines and detour buffers start. */
    public static long moduleSpace(Mode mode) { return mode == Mode.BITS64 ? MODULE_SPACE : MODULE_SPACE_32; }
}
