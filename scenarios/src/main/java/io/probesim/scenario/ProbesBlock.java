package io.probesim.scenario;

import groovy.lang.Script;
import io.probesim.scenario.DslError.Pos;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code probes { era '2006'; knob 'boostPreemptible' }} */
public final class ProbesBlock extends DslBlock {
    static final Map<String, String> WORDS = new LinkedHashMap<>();

    static {
        WORDS.put("era", "era '2006'   (2006, 2010, 2017 or modern)");
        WORDS.put("knob", "knob 'boostPreemptible'   (probesim list knobs)");
        WORDS.put("blacklist", "blacklist 'fn'   (functions no probe may sit on)");
        WORDS.put("design", "design 'b1'   (designs beyond the seeds: b1, b2)");
        register("probes", WORDS);
    }

    private String eraValue = ProbesConfig.DEFAULT.era();
    private final List<String> knobs = new ArrayList<>();
    private final List<String> blacklist = new ArrayList<>();
    private final List<String> designs = new ArrayList<>();

    ProbesBlock(ScriptContext ctx, Script script) {
        super(ctx, script);
    }

    @Override String block() { return "probes"; }
    @Override Map<String, String> words() { return WORDS; }

    public void era(Object name) {
        String e = name instanceof Integer i ? String.valueOf(i) : stringArg("era", name);
        checkEra(ctx, e, ctx.findString(ctx.currentLine(), e));
        eraValue = e;
    }

    public void knob(Object... names) {
        if (names.length == 0) {
            throw wrong("knob", "needs at least one knob name");
        }
        int line = ctx.currentLine();
        for (Object n : names) {
            String k = stringArg("knob", n);
            checkKnob(ctx, k, ctx.findString(line, k));
            if (!knobs.contains(k)) {
                knobs.add(k);
            }
        }
    }

    public void blacklist(Object... functions) {
        if (functions.length == 0) {
            throw wrong("blacklist", "needs at least one function name");
        }
        for (Object f : functions) {
            String name = stringArg("blacklist", f);
            if (!blacklist.contains(name)) {
                blacklist.add(name);
            }
        }
    }

    public void design(Object name) {
        String d = stringArg("design", name);
        if (io.probesim.probes.Design.byName(d).isEmpty()) {
            throw wrong("design", "unknown design '" + d + "'; designs: " + String.join(", ",
                    java.util.Arrays.stream(io.probesim.probes.Design.values()).map(io.probesim.probes.Design::dslName).toList()));
        }
        if (!designs.contains(d)) designs.add(d);
    }

    ProbesConfig config() { return new ProbesConfig(eraValue, knobs, blacklist, designs); }

    /** Shared with the CLI's --era, which has no script position. */
    static void checkEra(ScriptContext ctx, String era, Pos pos) {
        if (!Catalog.isEra(era)) {
            throw new DslError("unknown era '" + era + "'",
                    Words.closest(era, Catalog.eraNames()).map(c -> "did you mean '" + c + "'? ").orElse("")
                            + "eras: " + String.join(", ", Catalog.eraNames()), era, pos);
        }
    }

    static void checkKnob(ScriptContext ctx, String knob, Pos pos) {
        Catalog.Knob k = Catalog.knob(knob).orElse(null);
        if (k == null) {
            throw new DslError("unknown knob '" + knob + "'",
                    Words.closest(knob, Catalog.knobNames()).map(c -> "did you mean '" + c + "'?")
                            .orElse("see: probesim list knobs"), knob, pos);
        }
        if (!k.implemented()) {
            throw new DslError("knob '" + knob + "' (" + k.measure() + ") is not implemented in this version",
                    "implemented knobs: " + Catalog.KNOBS.stream().filter(Catalog.Knob::implemented)
                            .map(Catalog.Knob::name).collect(Collectors.joining(", ")), knob, pos);
        }
    }
}
