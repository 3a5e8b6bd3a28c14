package io.probesim.probes.invariants;

import io.probesim.probes.kprobes.InsnSlots;
import io.probesim.sim.Violations;
import io.probesim.x86.kernel.Kernel;

/**
 * slot-not-freed-while-in-use: when a slot is released or handed out again, no CPU executes
 * in it, no interrupted context and no preempted or blocked task will resume in it. It listens
 * to every slot cache: kprobe instruction slots and optprobe detour buffers.
 */
public final class SlotNotFreedWhileInUse implements InsnSlots.Listener {

    public static final String NAME = "slot-not-freed-while-in-use";

    private final Kernel kernel;
    private final Violations violations;

    public SlotNotFreedWhileInUse(Kernel kernel, Violations violations) {
        this.kernel = kernel;
        this.violations = violations;
    }

    @Override
    public void handedOut(long slot, int size) {
        check(slot, size, "handed out again");
    }

    @Override
    public void released(long slot, int size) {
        check(slot, size, "released");
    }

    private void check(long slot, int size, String what) {
        if (!violations.enabled(NAME)) return;
        kernel.forEachLiveIp((ip, task, how) -> {
            if (ip >= slot && ip < slot + size) {
                violations.report(NAME, kindOf(slot) + " 0x" + Long.toHexString(slot) + " " + what
                        + " while task " + task.name() + " (" + how + ") has ip 0x" + Long.toHexString(ip)
                        + " inside it (slot+" + (ip - slot) + ")", task.cpu());
            }
        });
    }

    private String kindOf(long slot) {
        return kernel.symbols().describe(slot).startsWith("kprobe_optinsn_page") ? "detour buffer" : "instruction slot";
    }
}
