package io.probesim.scenario;

import groovy.lang.Script;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code machine { cpus 2; bits 64; preempt true; tick hz: 1000, slice: 1; clock ghz: 2.33 }} */
public final class MachineBlock extends DslBlock {
    static final int MAX_CPUS = 64;
    static final Map<String, String> WORDS = new LinkedHashMap<>();

    static {
        WORDS.put("cpus", "cpus 2");
        WORDS.put("bits", "bits 64   (or 32)");
        WORDS.put("preempt", "preempt true   (CONFIG_PREEMPT)");
        WORDS.put("tick", "tick hz: 1000, slice: 1   (slice in ticks)");
        WORDS.put("clock", "clock ghz: 2.33");
        WORDS.put("nmi", "nmi handler: 'nmi_handler'   (the label every NMI runs)");
        register("machine", WORDS);
    }

    private int cpusValue = MachineConfig.DEFAULT.cpus();
    private int bitsValue = MachineConfig.DEFAULT.bits();
    private boolean preemptValue = MachineConfig.DEFAULT.preempt();
    private int tickHz = MachineConfig.DEFAULT.tickHz();
    private int sliceTicks = MachineConfig.DEFAULT.sliceTicks();
    private double clockGhz = MachineConfig.DEFAULT.clockGhz();
    private String nmiHandler;

    MachineBlock(ScriptContext ctx, Script script) {
        super(ctx, script);
    }

    @Override String block() { return "machine"; }
    @Override Map<String, String> words() { return WORDS; }

    public void cpus(Object n) {
        int v = intArg("cpus", n);
        if (v < 1 || v > MAX_CPUS) {
            throw wrong("cpus", "must be between 1 and " + MAX_CPUS + ", not " + v);
        }
        cpusValue = v;
    }

    public void bits(Object n) {
        int v = intArg("bits", n);
        if (v != 32 && v != 64) {
            throw wrong("bits", "is 32 or 64, not " + v);
        }
        bitsValue = v;
    }

    public void preempt(Object on) { preemptValue = boolArg("preempt", on); }

    public void tick(Map<?, ?> opts) {
        checkKeys("tick", opts, Set.of("hz", "slice"));
        if (opts.containsKey("hz")) {
            int hz = intArg("tick", opts.get("hz"));
            // Kernels use 100..1000; scenarios may go faster to keep a schedule short (10 us
            // at 100000), but a tick shorter than an interrupt handler would never let a task run.
            if (hz < 1 || hz > 1_000_000) {
                throw wrong("tick", "hz must be between 1 and 1000000, not " + hz);
            }
            tickHz = hz;
        }
        if (opts.containsKey("slice")) {
            int s = intArg("tick", opts.get("slice"));
            if (s < 1) {
                throw wrong("tick", "slice is at least 1 tick, not " + s);
            }
            sliceTicks = s;
        }
    }

    public void clock(Map<?, ?> opts) {
        checkKeys("clock", opts, Set.of("ghz"));
        if (opts.containsKey("ghz")) {
            double g = numberArg("clock", opts.get("ghz"));
            if (!(g > 0.01 && g < 100)) {
                throw wrong("clock", "ghz must be between 0.01 and 100, not " + g);
            }
            clockGhz = g;
        }
    }

    public void nmi(Map<?, ?> opts) {
        checkKeys("nmi", opts, Set.of("handler"));
        if (opts.containsKey("handler")) nmiHandler = stringArg("nmi", opts.get("handler"));
    }

    MachineConfig config() {
        return new MachineConfig(cpusValue, bitsValue, preemptValue, tickHz, sliceTicks, clockGhz, nmiHandler);
    }
}
