package io.probesim.x86.kernel

import io.probesim.sim.Chooser
import io.probesim.sim.Simulation
import io.probesim.sim.Time
import io.probesim.sim.Violation
import io.probesim.sim.Violations
import io.probesim.sim.explore.RunResult
import io.probesim.sim.explore.Strategies
import io.probesim.sim.log.Event
import io.probesim.sim.log.EventLog
import io.probesim.x86.decode.GnuTools
import io.probesim.x86.decode.Mode
import io.probesim.x86.mem.Memory

import java.nio.file.Path
import java.util.function.Consumer

/**
 * A small kernel-model machine for specs: `text` assembled by GNU as (an independent assembler)
 * at kernel text, its labels as symbols (nm), the named invariants checked, and helpers to add
 * tasks, run, and read the event log.
 */
class KernelBed {

    /** text -> [code bytes, label offsets] (GNU as, objcopy and nm run once per text). */
    static final Map<String, List> BUILT = [:]

    final EventLog log = new EventLog()
    final Simulation sim
    final Violations violations
    final Kernel kernel
    final Map<String, Long> symbols
    final byte[] code

    KernelBed(Map opts = [:], String text) {
        Chooser chooser = (opts.chooser ?: Strategies.replay(new int[0])) as Chooser
        sim = new Simulation(chooser, log, (opts.quantum ?: 0L) as long)
        violations = new Violations(sim, new LinkedHashSet<String>((opts.check ?: []) as List<String>))
        List built = build(text)
        code = built[0] as byte[]
        Memory mem = new Memory()
        mem.map(Layout.KERNEL_TEXT, Math.max(1, code.length), Memory.R | Memory.X)
        mem.poke(Layout.KERNEL_TEXT, code)
        mem.map(Layout.KERNEL_DATA, 0x1000, Memory.R | Memory.W)
        def config = new KernelConfig((opts.cpus ?: 1) as int, opts.preempt != null ? opts.preempt as boolean : true, (opts.hz ?: 1000) as int, 1, 2330)
        kernel = new Kernel(config, sim, mem, violations)
        def offsets = built[1] as Map<String, Long>
        symbols = [:]
        def names = offsets.keySet() as List
        names.eachWithIndex { String n, int i ->
            long start = offsets[n]
            long end = i + 1 < names.size() ? offsets[names[i + 1]] : code.length
            symbols[n] = Layout.KERNEL_TEXT + start
            kernel.symbols().add(n, Layout.KERNEL_TEXT + start, Math.max(1, end - start))
        }
        kernel.symbols().addTextRange(Layout.KERNEL_TEXT, Layout.KERNEL_TEXT + code.length)
    }

    private static synchronized List build(String text) {
        List b = BUILT[text]
        if (b == null) {
            Path obj = GnuTools.assemble('.text\n' + text, Mode.BITS64, 'kbed' + BUILT.size())
            b = [GnuTools.textBytes(obj), GnuTools.symbols(obj).sort { it.value }]
            BUILT[text] = b
        }
        b
    }

    long sym(String name) {
        Long a = symbols[name]
        assert a != null: "no label $name"
        a
    }

    Task x86(String name, int cpu, String entry) {
        kernel.createX86Task(name, cpu, sym(entry))
    }

    Task host(String name, int cpu, Consumer<HostContext> body) {
        kernel.createHostTask(name, cpu, body)
    }

    /** Boots and runs until `limitPs`, a violation, or `stopWhenDone` (a host task of that name) exits. */
    RunResult run(long limitPs, String stopWhenDone = null, long settlePs = 0) {
        if (stopWhenDone != null) {
            kernel.addExitListener({ Task t ->
                if (t.name() == stopWhenDone) {
                    long at = kernel.cpu(t.cpu()).localTime() + settlePs
                    sim.at(at, { sim.stop('done') } as Runnable)
                }
            } as Consumer<Task>)
        }
        kernel.boot()
        try {
            sim.run(limitPs)
        } catch (HostTaskFailure f) {
            throw f.cause
        } finally {
            kernel.shutdown()
        }
        new RunResult(violations.first(), sim.chooser().recorded(), log.sha256(), sim.steps(), kernel.cpuCount(), log)
    }

    Violation violation() {
        violations.first().orElse(null)
    }

    List<Event> events(String kind, Integer cpu = null) {
        log.events().findAll { it.kind() == kind && (cpu == null || it.cpu() == cpu) }
    }

    static long us(double n) { (long) (n * Time.US) }
}
