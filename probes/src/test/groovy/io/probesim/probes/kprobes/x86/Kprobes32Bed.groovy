package io.probesim.probes.kprobes.x86

import io.probesim.probes.Era
import io.probesim.probes.Knob
import io.probesim.probes.ProbeConfig
import io.probesim.probes.invariants.HandlerExactlyOnce
import io.probesim.probes.invariants.SlotNotFreedWhileInUse
import io.probesim.probes.kprobes.Kprobes
import io.probesim.probes.kprobes.KprobesTestbed
import io.probesim.sim.Simulation
import io.probesim.sim.Time
import io.probesim.sim.Violations
import io.probesim.sim.explore.Strategies
import io.probesim.sim.log.EventLog
import io.probesim.x86.decode.Mode
import io.probesim.x86.elf.LoadedObject
import io.probesim.x86.elf.ModuleLoader
import io.probesim.x86.kernel.HostContext
import io.probesim.x86.kernel.Kernel
import io.probesim.x86.kernel.KernelConfig
import io.probesim.x86.mem.Memory

import java.nio.file.Files
import java.nio.file.Path
import java.util.function.Consumer

/**
 * A one-CPU 32-bit (i386) kernel for kprobes specs: objects built by GNU tools (gcc -m32
 * -mregparm=3 fixtures, or `as --32` at test time) loaded as modules, the kprobes core of an
 * era, and one host task. Nothing here uses our assembler: the code under probe is GNU's.
 */
class Kprobes32Bed {
    final EventLog log = new EventLog()
    final Simulation sim = new Simulation(Strategies.replay(new int[0]), log, 0)
    final Violations violations = new Violations(sim, ['no-oops', 'handler-exactly-once', 'slot-not-freed-while-in-use'] as LinkedHashSet)
    final Kernel kernel
    final Kprobes kprobes

    Kprobes32Bed(Era era, boolean preempt, List<byte[]> objects) {
        kernel = new Kernel(new KernelConfig(1, preempt, 1000, 1, 2330, Mode.BITS32), sim, new Memory(), violations)
        objects.eachWithIndex { byte[] o, int i -> ModuleLoader.load(kernel, o, "obj${i}.o") }
        kprobes = new Kprobes(kernel, new ProbeConfig(era, EnumSet.noneOf(Knob)), { core -> new X86Kprobes(core) })
        ((X86Kprobes) kprobes.arch()).slots().addListener(new SlotNotFreedWhileInUse(kernel, violations))
        log.addListener(new HandlerExactlyOnce(violations))
    }

    long sym(String name) { kernel.symbols().require(name).address() }

    /** Runs `test` as a host task on cpu 0 until it returns; rethrows what it threw. */
    void run(Consumer<HostContext> test) {
        KprobesTestbed.runTestTask(kernel, sim, 1000 * Time.MS, test)
    }

    /** fixtures/kstyle/kstyle32.o: kernel-style C built by gcc -m32 -mregparm=3 (fixtures/README.md). */
    static byte[] kstyle32() {
        Path p = Path.of('..', 'fixtures', 'kstyle', 'kstyle32.o').toAbsolutePath().normalize()
        assert Files.isRegularFile(p): "fixture $p is missing (run from the probes module directory)"
        Files.readAllBytes(p)
    }

    /** `source` assembled by GNU as --32 into a relocatable object. */
    static byte[] gnuAs32(String source) {
        Path dir = Files.createTempDirectory('probes-as32')
        Path s = dir.resolve('t.s'), o = dir.resolve('t.o')
        Files.writeString(s, source)
        def p = new ProcessBuilder('as', '--32', '-o', o.toString(), s.toString()).redirectErrorStream(true).start()
        String out = new String(p.inputStream.readAllBytes())
        assert p.waitFor() == 0: "as --32 failed: $out"
        byte[] bytes = Files.readAllBytes(o)
        Files.delete(o); Files.delete(s); Files.delete(dir)
        bytes
    }
}
