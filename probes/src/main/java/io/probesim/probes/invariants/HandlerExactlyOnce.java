package io.probesim.probes.invariants;

import io.probesim.sim.Violations;
import io.probesim.sim.log.Event;
import io.probesim.sim.log.EventListener;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * handler-exactly-once, read off the event log: every int3 trap at an address where probes
 * are registered must see, before that trap is done, exactly one pre-handler call or one
 * counted miss for each of them. Registration state is rebuilt from the log too, so the check
 * does not trust the kprobes core's own bookkeeping. A hit through an optimized probe's detour
 * buffer (opt-hit .. opt-hit-done) is held to the same rule as an int3 trap; a hit that
 * text_poke_bp's int3 handler sends on to a detour buffer (poke-int3) owes its call there.
 */
public final class HandlerExactlyOnce implements EventListener {

    public static final String NAME = "handler-exactly-once";

    private final Violations violations;
    private final TreeMap<Long, List<String>> registered = new TreeMap<>();
    private final TreeMap<Integer, ArrayDeque<Hit>> open = new TreeMap<>();
    /** Per CPU: a hit text_poke_bp's int3 handler sent on to a detour buffer, owed its handler call there. */
    private final TreeMap<Integer, Hit> redirected = new TreeMap<>();

    /** @param trap an int3 trap whose do_int3 has not run yet (not a detour-buffer hit) */
    private record Hit(long addr, List<String> pending, boolean trap) {
        Hit(long addr, List<String> pending) {
            this(addr, pending, false);
        }
    }

    public HandlerExactlyOnce(Violations violations) {
        this.violations = violations;
    }

    @Override
    public void onEvent(Event e) {
        switch (e.kind()) {
            case "kprobe-register" -> registered.computeIfAbsent(addr(e), a -> new ArrayList<>()).add(e.field("probe"));
            case "kprobe-unregister" -> {
                List<String> names = registered.get(addr(e));
                if (names != null) {
                    names.remove(e.field("probe"));
                    if (names.isEmpty()) registered.remove(addr(e));
                }
                // A trap taken on the probe before this unregister whose do_int3 runs after it
                // finds no probe: the instruction restarts unprobed (spec 2.7, S20). Nothing is
                // owed; a trap whose handlers did run is no longer pending for this probe.
                for (ArrayDeque<Hit> hits : open.values()) {
                    for (Hit h : hits) {
                        if (h.trap() && h.addr() == addr(e)) h.pending().remove(e.field("probe"));
                    }
                }
            }
            case "poke-int3" -> {
                // A hit on the temporary int3 of text_poke_bp goes on to the handler ip the
                // writer gave (an optprobe's detour buffer): its handler call is owed there.
                Hit top = stack(e.cpu()).peek();
                if (top != null && !top.pending().isEmpty()) {
                    redirected.put(e.cpu(), new Hit(top.addr(), new ArrayList<>(top.pending())));
                    top.pending().clear();
                }
            }
            case "int3", "opt-hit" -> {
                Hit owed = redirected.remove(e.cpu());
                if (owed != null && !(e.kind().equals("opt-hit") && parse(e.field("ip")) == owed.addr())) {
                    violations.report(NAME, "hit at 0x" + Long.toHexString(owed.addr()) + " was sent on by text_poke_bp's int3 handler but never ran "
                            + owed.pending() + "'s handler", e.cpu());
                }
                List<String> names = registered.get(parse(e.field("ip")));
                stack(e.cpu()).push(new Hit(parse(e.field("ip")), names == null ? new ArrayList<>() : new ArrayList<>(names),
                        e.kind().equals("int3")));
            }
            case "kprobe-pre", "kprobe-miss" -> {
                ArrayDeque<Hit> hits = stack(e.cpu());
                Hit top = hits.peek();
                if (top == null || !top.pending().remove(e.field("probe"))) {
                    violations.report(NAME, e.kind().equals("kprobe-pre") ? "pre handler of " + e.field("probe")
                            + " called without a pending hit (called twice?)" : "miss counted for " + e.field("probe")
                            + " without a pending hit", e.cpu());
                }
            }
            case "int3-done", "opt-hit-done" -> {
                Hit top = stack(e.cpu()).poll();
                if (top != null && !top.pending().isEmpty()) {
                    violations.report(NAME, "hit at 0x" + Long.toHexString(top.addr()) + " ended with neither a pre handler call nor a miss for "
                            + top.pending(), e.cpu());
                }
            }
            default -> { }
        }
    }

    private ArrayDeque<Hit> stack(int cpu) {
        return open.computeIfAbsent(cpu, c -> new ArrayDeque<>());
    }

    private static long addr(Event e) {
        return parse(e.field("addr"));
    }

    private static long parse(String hex) {
        return Long.parseUnsignedLong(hex.substring(2), 16);
    }
}
