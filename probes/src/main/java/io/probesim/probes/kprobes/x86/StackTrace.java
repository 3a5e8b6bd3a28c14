package io.probesim.probes.kprobes.x86;

import io.probesim.probes.kprobes.Kretprobes;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.PtRegs;
import io.probesim.x86.kernel.SymbolTable;
import io.probesim.x86.kernel.Task;
import io.probesim.x86.mem.Memory;

import java.util.ArrayList;
import java.util.List;

/**
 * stack_trace_save_regs() over frame pointers: the trapped ip, then each frame's return
 * address ([rbp+8]) up the rbp chain. A return address that is the kretprobe trampoline is
 * translated into the real one through the task's kretprobe instances, as the kernel's
 * unwinders do with kretprobe_find_ret_addr(). Stops at an address outside kernel text.
 */
public final class StackTrace {
    private StackTrace() {}

    public static List<Long> save(Kretprobes kretprobes, PtRegs regs, int max) {
        Kernel kernel = kretprobes.kernel();
        Task task = regs.getCpu().current();
        Memory mem = kernel.memory();
        List<Long> out = new ArrayList<>();
        long ip = translate(kretprobes, task, regs.getIp(), regs.getSp() - 8);
        long bp = regs.gpr(5);
        while (out.size() < max && isText(kernel, ip)) {
            out.add(ip);
            if (bp < task.stackBase() || bp + 16 > task.stackTop()) break;
            long slot = bp + 8;
            ip = translate(kretprobes, task, mem.read64(slot), slot);
            bp = mem.read64(bp);
        }
        return out;
    }

    /** The trampoline (anywhere inside it) stands for the real return address of the call whose slot is `slot`. */
    private static long translate(Kretprobes kretprobes, Task task, long ip, long slot) {
        long t = kretprobes.arch().trampoline();
        if (t == 0) return ip;
        SymbolTable.Symbol tramp = kretprobes.kernel().symbols().require(X86Kretprobes.SYMBOL);
        if (!tramp.contains(ip)) return ip;
        long real = kretprobes.findRetAddr(task, slot);
        return real == 0 ? ip : real;
    }

    /** Kernel text, or the trampoline itself (so an untranslated trampoline shows in the trace). */
    private static boolean isText(Kernel kernel, long ip) {
        return kernel.symbols().isText(ip) || kernel.symbols().lookup(X86Kretprobes.SYMBOL).map(s -> s.contains(ip)).orElse(false);
    }
}
