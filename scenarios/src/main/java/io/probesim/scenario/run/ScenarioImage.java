package io.probesim.scenario.run;

import io.probesim.probes.Era;
import io.probesim.probes.Knob;
import io.probesim.probes.ProbeConfig;
import io.probesim.scenario.ScenarioDefinition;
import io.probesim.scenario.ScenarioException;
import io.probesim.scenario.TaskDefinition;
import io.probesim.scenario.TextSource;
import io.probesim.sim.explore.CopyingSnapshot;
import io.probesim.sim.explore.Snapshot;
import io.probesim.x86.asm.AsmException;
import io.probesim.x86.asm.Assembler;
import io.probesim.x86.asm.Assembly;
import io.probesim.x86.asm.Symbol;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.elf.LoadedObject;
import io.probesim.x86.kernel.KernelConfig;
import io.probesim.x86.kernel.Layout;
import io.probesim.x86.kernel.Natives;
import io.probesim.x86.mem.Memory;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a scenario is before any schedule runs: its objects loaded and its text assembled into
 * memory (the snapshot every schedule starts from), its machine and probe configuration
 * resolved. Every mistake found here is reported against the script.
 */
public final class ScenarioImage {

    private final ScenarioDefinition definition;
    private final KernelConfig kernelConfig;
    private final ProbeConfig probeConfig;
    private final List<LoadedObject> objects;
    private final List<Symbol> symbols;
    private final long textEnd;
    private final Snapshot<Memory> memory;

    public ScenarioImage(ScenarioDefinition def) {
        this.definition = def;
        String file = def.file() == null ? def.name() : def.file().getFileName().toString();
        var m = def.machine();
        if (m.bits() != 64) {
            throw new ScenarioException(file, 0, 0, "machine bits " + m.bits() + " is not supported yet",
                    "scenarios run 64-bit machines: kprobes, kretprobes and jprobes do run on a 32-bit kernel (the timing"
                            + " report's x86-32 rows), but a scenario's text placement, the probe invariants' stack reads and"
                            + " optprobes are 64-bit only");
        }
        this.kernelConfig = new KernelConfig(m.cpus(), m.preempt(), m.tickHz(), m.sliceTicks(), (int) Math.round(m.clockGhz() * 1000));
        this.probeConfig = resolveProbes(def, file);
        Memory mem = new Memory();
        this.objects = ObjectFiles.load(def, file, kernelConfig, mem);
        if (def.text() == null && objects.isEmpty()) {
            throw new ScenarioException(file, 0, 0, "the scenario has no text",
                    "add text '''...''' with the code to run and probe, or load 'an-object.o'");
        }
        Map<String, Long> externals = new TreeMap<>(Natives.exportedSymbols());
        Map<String, Long> loaded = ObjectFiles.functions(objects);
        externals.putAll(loaded);
        Assembly asm = def.text() == null ? null : assemble(def.text(), file, externals);
        this.symbols = asm == null ? List.of() : asm.symbols();
        this.textEnd = Layout.KERNEL_TEXT + (asm == null ? 0 : asm.code().length);
        for (Symbol s : symbols) {
            if (loaded.containsKey(s.name())) {
                throw new ScenarioException(file, def.text().scriptLine(1), 0, "label '" + s.name() + "' in the text is also a function of a loaded object",
                        "rename the label; the text can call the object's " + s.name() + " by name");
            }
        }
        for (TaskDefinition t : def.tasks()) {
            if (t instanceof TaskDefinition.X86Task x && symbols.stream().noneMatch(s -> s.name().equals(x.entry()))
                    && !loaded.containsKey(x.entry())) {
                throw new ScenarioException(file, t.line(), 0, "task '" + t.name() + "': no label or loaded function '" + x.entry() + "'",
                        "labels are: " + String.join(", ", symbols.stream().map(Symbol::name).toList())
                                + (objects.isEmpty() ? "" : "; loaded functions: " + String.join(", ", loaded.keySet())));
            }
        }
        for (String fn : def.probes().blacklist()) {
            if (symbols.stream().noneMatch(s -> s.name().equals(fn)) && !loaded.containsKey(fn)) {
                throw new ScenarioException(file, 0, 0, "blacklist '" + fn + "': no label or loaded function '" + fn + "'",
                        "labels are: " + String.join(", ", symbols.stream().map(Symbol::name).toList()));
            }
        }
        if (asm != null) {
            mem.map(Layout.KERNEL_TEXT, Math.max(1, asm.code().length), Memory.R | Memory.X);
            mem.poke(Layout.KERNEL_TEXT, asm.code());
        }
        this.memory = new CopyingSnapshot<>(mem, Memory::copy);
    }

    private static ProbeConfig resolveProbes(ScenarioDefinition def, String file) {
        Era era = Era.byName(def.probes().era()).orElseThrow(() -> new ScenarioException(file, 0, 0,
                "unknown era '" + def.probes().era() + "'", "eras are 2006, 2010, 2017, modern"));
        EnumSet<Knob> knobs = EnumSet.noneOf(Knob.class);
        for (String name : def.probes().knobs()) {
            Knob k = Knob.byName(name).orElseThrow(() -> new ScenarioException(file, 0, 0,
                    "unknown knob '" + name + "'", "`probesim list knobs` shows them"));
            if (!k.implemented()) {
                throw new ScenarioException(file, 0, 0, "knob '" + name + "' (row " + k.row() + ") is not modelled in this version",
                        "implemented knobs: " + String.join(", ", java.util.Arrays.stream(Knob.values())
                                .filter(Knob::implemented).map(Knob::dslName).toList()));
            }
            knobs.add(k);
        }
        EnumSet<io.probesim.probes.Design> designs = EnumSet.noneOf(io.probesim.probes.Design.class);
        for (String name : def.probes().designs()) {
            designs.add(io.probesim.probes.Design.byName(name).orElseThrow(() -> new ScenarioException(file, 0, 0,
                    "unknown design '" + name + "'", "designs: b1")));
        }
        return new ProbeConfig(era, knobs, designs);
    }

    private static Assembly assemble(TextSource text, String file, Map<String, Long> externals) {
        try {
            return Assembler.assemble(text.source(), Layout.KERNEL_TEXT, Mode.BITS64, externals);
        } catch (AsmException e) {
            throw new ScenarioException(file, text.scriptLine(e.line()), text.scriptColumn(e.line(), e.column()),
                    "in text: " + e.hint(), null, e);
        }
    }

    public ScenarioDefinition definition() { return definition; }
    public KernelConfig kernelConfig() { return kernelConfig; }
    public ProbeConfig probeConfig() { return probeConfig; }
    public List<Symbol> symbols() { return symbols; }
    public long textEnd() { return textEnd; }
    public Memory freshMemory() { return memory.thaw(); }
    /** The loaded objects, already in {@link #freshMemory()}; {@link ObjectFiles#install} makes them part of a run's kernel. */
    public List<LoadedObject> objects() { return objects; }
}
