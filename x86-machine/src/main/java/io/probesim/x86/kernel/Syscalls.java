package io.probesim.x86.kernel;

import io.probesim.x86.cpu.Cpu;
import io.probesim.x86.cpu.CycleCosts;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.mem.Memory;
import io.probesim.x86.mem.MemoryFault;

/**
 * System calls of user processes: entry by `syscall` (the x86-64 ABI: number in rax, arguments
 * in rdi rsi rdx r10 r8 r9, return via sysret to rcx with rflags from r11) or by `int $0x80`
 * (the i386 ABI: number in eax, arguments in ebx ecx edx esi edi ebp, 32-bit structures; a
 * 64-bit process may use it too, as with IA32 emulation). A call runs atomically in Java; the
 * process's memory is reached through its own address space with the user-mode checks on, so a
 * pointer into the kernel half fails with EFAULT as access_ok() would make it.
 *
 * <p>The calls: exit and exit_group, write (fd 1 and 2 to the machine's {@link Console}; any
 * other fd EBADF), getpid, clock_gettime (CLOCK_REALTIME, CLOCK_MONOTONIC; others EINVAL) and
 * gettimeofday from simulated time ({@link Clocks}). Any other number returns -ENOSYS.
 * Return to user mode is a preemption point, with or without CONFIG_PREEMPT, as in Linux.
 */
public final class Syscalls {

    /** Which table and register convention the call came in with. */
    public enum Abi { X86_64, I386 }

    public static final int EBADF = 9, EFAULT = 14, EINVAL = 22, ENOSYS = 38;

    // x86-64 numbers (arch/x86/entry/syscalls/syscall_64.tbl)
    static final int WRITE_64 = 1, GETPID_64 = 39, EXIT_64 = 60, GETTIMEOFDAY_64 = 96, CLOCK_GETTIME_64 = 228, EXIT_GROUP_64 = 231;
    // i386 numbers (syscall_32.tbl)
    static final int EXIT_32 = 1, WRITE_32 = 4, GETPID_32 = 20, GETTIMEOFDAY_32 = 78, EXIT_GROUP_32 = 252, CLOCK_GETTIME_32 = 265;

    /** The most a single write takes (a partial write beyond it, as POSIX allows). */
    static final int MAX_WRITE = 1 << 20;

    private final Kernel kernel;

    Syscalls(Kernel kernel) {
        this.kernel = kernel;
    }

    /** The system call the current task of `sc` just made (rip is after the instruction). */
    void enter(SimCpu sc, Abi abi) {
        Cpu cpu = sc.cpu();
        Task t = sc.current;
        if (t.kind() != Task.Kind.USER || cpu.cpl != 3) {
            throw kernel.traps().panic(sc, (abi == Abi.X86_64 ? "syscall" : "int $0x80") + " from kernel mode in " + t);
        }
        // int $0x80's gate entry was charged by the CPU (TRAP_ENTRY); syscall's is charged here
        sc.addCycles((abi == Abi.X86_64 ? CycleCosts.SYSCALL : 0) + CostTable.SYSCALL_ENTRY);
        long[] g = cpu.gpr;
        long nr;
        long a0, a1, a2;
        if (abi == Abi.X86_64) {
            nr = g[0];
            a0 = g[7];
            a1 = g[6];
            a2 = g[2];
        } else {
            nr = g[0] & 0xffffffffL;
            a0 = g[3] & 0xffffffffL;
            a1 = g[1] & 0xffffffffL;
            a2 = g[2] & 0xffffffffL;
        }
        // the call reaches user memory as user code would (access_ok: kernel pages have no U bit)
        Memory space = t.addressSpace;
        space.userAccess(true);
        long ret;
        try {
            ret = dispatch(sc, t, abi, nr, a0, a1, a2);
        } finally {
            space.userAccess(false);
        }
        if (t.state == TaskState.DEAD) return;                    // exit: another task runs now
        kernel.log(sc.id(), t, "syscall", "nr", nr, "abi", abi == Abi.X86_64 ? "64" : "32", "ret", ret);
        if (abi == Abi.X86_64) {
            g[0] = ret;
            cpu.rip = g[1];                                        // sysret: rip from rcx, rflags from r11
            cpu.rflags = (g[11] & ~(1L << 16)) | 0x2;
            sc.addCycles(CostTable.SYSCALL_EXIT + CycleCosts.SYSRET);
        } else {
            g[0] = cpu.mode() == Mode.BITS64 ? (long) (int) ret : ret & 0xffffffffL;
            sc.addCycles(CostTable.SYSCALL_EXIT + CycleCosts.IRET);
        }
        if (sc.needResched && t.preemptCount == 0) kernel.scheduler().schedule(sc, "preempt");
    }

    private long dispatch(SimCpu sc, Task t, Abi abi, long nr, long a0, long a1, long a2) {
        boolean b64 = abi == Abi.X86_64;
        if (b64 ? nr == EXIT_64 || nr == EXIT_GROUP_64 : nr == EXIT_32 || nr == EXIT_GROUP_32) {
            sc.addCycles(CostTable.SYS_EXIT);
            kernel.log(sc.id(), t, "syscall", "nr", nr, "abi", b64 ? "64" : "32", "exit", a0 & 0xff);
            kernel.exitUser(sc, t, (int) (a0 & 0xff));
            return 0;
        }
        if (b64 ? nr == WRITE_64 : nr == WRITE_32) return write(sc, t, (int) a0, a1, a2, b64);
        if (b64 ? nr == GETPID_64 : nr == GETPID_32) {
            sc.addCycles(CostTable.SYS_GETPID);
            return t.pid();
        }
        if (b64 ? nr == CLOCK_GETTIME_64 : nr == CLOCK_GETTIME_32) return clockGettime(sc, t, a0, a1, b64);
        if (b64 ? nr == GETTIMEOFDAY_64 : nr == GETTIMEOFDAY_32) return gettimeofday(sc, t, a0, a1, b64);
        return -ENOSYS;
    }

    private long write(SimCpu sc, Task t, int fd, long buf, long count, boolean b64) {
        sc.addCycles(CostTable.SYS_WRITE);
        if (fd != 1 && fd != 2) return -EBADF;
        int n = Long.compareUnsigned(count, MAX_WRITE) > 0 ? MAX_WRITE : (int) count;
        byte[] bytes;
        try {
            bytes = n == 0 ? new byte[0] : t.addressSpace.read(buf, n);
        } catch (MemoryFault f) {
            return -EFAULT;
        }
        kernel.console().write(t, fd, bytes);
        return n;
    }

    private long clockGettime(SimCpu sc, Task t, long clock, long tp, boolean b64) {
        sc.addCycles(CostTable.SYS_CLOCK_GETTIME);
        long ns;
        if (clock == Clocks.CLOCK_REALTIME) ns = Clocks.realtimeNs(sc.localTime());
        else if (clock == Clocks.CLOCK_MONOTONIC) ns = Clocks.monotonicNs(sc.localTime());
        else return -EINVAL;
        return put(t.addressSpace, tp, ns / 1_000_000_000L, ns % 1_000_000_000L, b64) ? 0 : -EFAULT;
    }

    private long gettimeofday(SimCpu sc, Task t, long tv, long tz, boolean b64) {
        sc.addCycles(CostTable.SYS_GETTIMEOFDAY);
        long ns = Clocks.realtimeNs(sc.localTime());
        if (tv != 0 && !put(t.addressSpace, tv, ns / 1_000_000_000L, ns % 1_000_000_000L / 1000, b64)) return -EFAULT;
        if (tz != 0 && !put(t.addressSpace, tz, 0, 0, false)) return -EFAULT;   // struct timezone: two ints, UTC
        return 0;
    }

    /** Stores two longs of the ABI's width (a timespec, a timeval) at `addr`; false on a fault. */
    private static boolean put(Memory space, long addr, long first, long second, boolean b64) {
        try {
            if (b64) {
                space.checkWrite(addr, 16);
                space.write64(addr, first);
                space.write64(addr + 8, second);
            } else {
                space.checkWrite(addr, 8);
                space.write32(addr, (int) first);
                space.write32(addr + 4, (int) second);
            }
            return true;
        } catch (MemoryFault f) {
            return false;
        }
    }
}
