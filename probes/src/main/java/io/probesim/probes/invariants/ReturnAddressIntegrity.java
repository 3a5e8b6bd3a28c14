package io.probesim.probes.invariants;

import io.probesim.sim.Violations;
import io.probesim.sim.log.Event;
import io.probesim.sim.log.EventListener;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.Task;

import java.util.ArrayDeque;
import java.util.List;
import java.util.TreeMap;

/**
 * return-address-integrity: every call of a kretprobe'd function returns to its real caller,
 * and a call the kretprobe does not protect is counted as a miss. The real return address is
 * read by this check itself off the stack at the entry trap (before any handler ran); the
 * kretprobe's entry, miss and trampoline-return events are then held against it:
 * <ul>
 * <li>each int3 at a kretprobe'd entry ends with the call protected (its saved return
 *     address equal to the one on the stack), counted as missed, or skipped by the entry
 *     handler;</li>
 * <li>each return through the trampoline goes to the saved address of the innermost
 *     protected call of that task at that stack slot, and no deeper protected call is
 *     left behind.</li>
 * </ul>
 */
public final class ReturnAddressIntegrity implements EventListener {

    public static final String NAME = "return-address-integrity";

    private final Kernel kernel;
    private final Violations violations;
    /** kretprobe'd entry address -> probe name, from the log. */
    private final TreeMap<Long, String> entries = new TreeMap<>();
    /** Per CPU: the entry hit being handled (probe, sp, real return address), innermost on top. */
    private final TreeMap<Integer, ArrayDeque<Call>> hits = new TreeMap<>();
    /** Per task: calls protected and not yet returned, innermost on top. */
    private final TreeMap<String, ArrayDeque<Call>> protectedCalls = new TreeMap<>();

    private static final class Call {
        final String probe;
        final long sp;
        final long ret;
        boolean resolved;
        boolean pushed;

        Call(String probe, long sp, long ret) {
            this.probe = probe;
            this.sp = sp;
            this.ret = ret;
        }
    }

    public ReturnAddressIntegrity(Kernel kernel, Violations violations) {
        this.kernel = kernel;
        this.violations = violations;
        kernel.simulation().log().addListener(this);
    }

    @Override
    public void onEvent(Event e) {
        switch (e.kind()) {
            case "kretprobe-register" -> entries.put(hex(e.field("addr")), e.field("probe"));
            case "int3" -> {
                // Every trap: the entry's kretprobe-register event may come after its first hit.
                Task t = kernel.cpu(e.cpu()).current();
                List<Long> frames = t.trapFrames();
                long sp = kernel.memory().read64(frames.get(frames.size() - 1) + 24);
                stack(hits, e.cpu()).push(new Call(entries.get(hex(e.field("ip"))), sp, kernel.memory().read64(sp)));
            }
            case "kretprobe-entry" -> {
                Call hit = stack(hits, e.cpu()).peek();
                if (hit == null) {
                    violations.report(NAME, e.field("probe") + " took an instance outside a trap", e.cpu());
                    return;
                }
                if (hit.pushed) return;   // a second kretprobe on the same function chains on the first
                hit.resolved = true;
                if (hex(e.field("sp")) != hit.sp || hex(e.field("ret")) != hit.ret) {
                    violations.report(NAME, e.field("probe") + " saved return address " + e.field("ret") + " at " + e.field("sp")
                            + " but the call's return address is 0x" + Long.toHexString(hit.ret) + " at 0x" + Long.toHexString(hit.sp), e.cpu());
                    return;
                }
                hit.pushed = true;
                stack(protectedCalls, e.task()).push(new Call(e.field("probe"), hit.sp, hit.ret));
            }
            case "kretprobe-miss", "kretprobe-skip", "kprobe-miss" -> {
                Call hit = stack(hits, e.cpu()).peek();
                if (hit != null && (hit.probe == null || hit.probe.equals(e.field("probe")))) hit.resolved = true;
            }
            case "int3-done" -> {
                Call hit = stack(hits, e.cpu()).poll();
                if (hit != null && hit.probe != null && !hit.resolved) {
                    violations.report(NAME, "a call of " + hit.probe + " was neither protected by an instance nor counted in nmissed", e.cpu());
                }
            }
            case "kretprobe-return" -> {
                long slot = hex(e.field("sp"));
                long ret = hex(e.field("ret"));
                ArrayDeque<Call> calls = stack(protectedCalls, e.task());
                while (!calls.isEmpty() && calls.peek().sp < slot) {
                    Call lost = calls.pop();
                    violations.report(NAME, "the call of " + lost.probe + " with its return address at 0x" + Long.toHexString(lost.sp)
                            + " ended without returning to 0x" + Long.toHexString(lost.ret), e.cpu());
                }
                Call call = calls.poll();
                if (call == null || call.sp != slot) {
                    violations.report(NAME, "task " + e.task() + " returned through the trampoline to " + e.field("ret")
                            + " with no protected call at " + e.field("sp"), e.cpu());
                } else if (call.ret != ret) {
                    violations.report(NAME, "the call of " + call.probe + " returned to 0x" + Long.toHexString(ret)
                            + " instead of its caller at 0x" + Long.toHexString(call.ret), e.cpu());
                }
            }
            default -> { }
        }
    }

    private static <K> ArrayDeque<Call> stack(TreeMap<K, ArrayDeque<Call>> map, K key) {
        return map.computeIfAbsent(key, k -> new ArrayDeque<>());
    }

    private static long hex(String s) {
        return Long.parseUnsignedLong(s.substring(2), 16);
    }
}
