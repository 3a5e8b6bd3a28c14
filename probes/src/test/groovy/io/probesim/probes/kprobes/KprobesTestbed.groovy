package io.probesim.probes.kprobes

import io.probesim.probes.Era
import io.probesim.probes.Knob
import io.probesim.probes.ProbeConfig
import io.probesim.probes.invariants.HandlerExactlyOnce
import io.probesim.probes.invariants.ProbeInvariants
import io.probesim.probes.invariants.SlotNotFreedWhileInUse
import io.probesim.probes.kprobes.x86.X86Kprobes
import io.probesim.sim.Simulation
import io.probesim.sim.Time
import io.probesim.sim.Violations
import io.probesim.sim.explore.Strategies
import io.probesim.sim.log.EventLog
import io.probesim.x86.asm.Assembler
import io.probesim.x86.decode.Mode
import io.probesim.x86.kernel.HostContext
import io.probesim.x86.kernel.Kernel
import io.probesim.x86.kernel.KernelConfig
import io.probesim.x86.kernel.Layout
import io.probesim.x86.mem.Memory

import java.util.function.Consumer

/**
 * A small machine for kprobes specs: the given text at kernel text, the kprobes core of an
 * era, every probe invariant checked, and one host task (the "test") on cpu 0.
 */
class KprobesTestbed {

    /** Functions in the spirit of lib/test_kprobes.c's kprobe_target and kprobe_target2. */
    static final String TARGETS = '''
kprobe_target:   lea  1(%rdi), %rax
                 add  %rdi, %rax
                 ret
kprobe_target2:  lea  2(%rdi), %rax
                 add  %rdi, %rax
                 ret
'''

    final EventLog log = new EventLog()
    final Simulation sim
    final Violations violations
    final Kernel kernel
    final Kprobes kprobes

    /** opts: cpus, preempt, hz, era, knobs, blacklist, externals, chooser (default: no choices, no stalls). */
    KprobesTestbed(Map opts = [:], String text = TARGETS) {
        sim = new Simulation((opts.chooser ?: Strategies.replay(new int[0])) as io.probesim.sim.Chooser, log, 0)
        violations = new Violations(sim, new LinkedHashSet<>(ProbeInvariants.all()*.name()))
        Memory mem = new Memory()
        def asm = Assembler.assemble(text, Layout.KERNEL_TEXT, Mode.BITS64, (io.probesim.x86.kernel.Natives.exportedSymbols() + (opts.externals ?: [:])) as Map<String, Long>)
        mem.map(Layout.KERNEL_TEXT, asm.code().length, Memory.R | Memory.X)
        mem.poke(Layout.KERNEL_TEXT, asm.code())
        def config = new KernelConfig(opts.cpus ?: 1, opts.preempt != null ? opts.preempt : true, opts.hz ?: 1000, 1, 2330)
        kernel = new Kernel(config, sim, mem, violations)
        asm.symbols().each { kernel.symbols().add(it.name(), it.address(), it.size()) }
        kernel.symbols().addTextRange(Layout.KERNEL_TEXT, Layout.KERNEL_TEXT + asm.code().length)
        (opts.blacklist ?: []).each { kernel.symbols().blacklist(it as String) }
        Set<Knob> knobs = (opts.knobs ?: []) as Set<Knob>
        kprobes = new Kprobes(kernel, new ProbeConfig(opts.era ?: Era.E2006, knobs.isEmpty() ? EnumSet.noneOf(Knob) : EnumSet.copyOf(knobs)),
                { core -> new X86Kprobes(core, opts.jngAndBug ?: false) })
        ((X86Kprobes) kprobes.arch()).slots().addListener(new SlotNotFreedWhileInUse(kernel, violations))
        log.addListener(new HandlerExactlyOnce(violations))
        def rai = new io.probesim.probes.invariants.ReturnAddressIntegrity(kernel, violations)
        def nhau = new io.probesim.probes.invariants.NoHandlerAfterUnregister(kprobes, violations)
    }

    /** Runs `test` as a host task on cpu 0 until it returns; rethrows what it threw. */
    void run(Consumer<HostContext> test) {
        runTestTask(kernel, sim, 10 * Time.MS, test)
    }

    /**
     * Boots `kernel`, runs `test` as host task 'test' on cpu 0 and stops the simulation when it
     * returns (at most `limitPs` of simulated time); rethrows what the task threw.
     */
    static void runTestTask(Kernel kernel, Simulation sim, long limitPs, Consumer<HostContext> test) {
        boolean[] done = [false]
        kernel.createHostTask('test', 0, { ctx -> test.accept(ctx); done[0] = true } as Consumer<HostContext>)
        kernel.addExitListener({ t -> if (t.name() == 'test') sim.stop('test done') } as Consumer)
        kernel.boot()
        try {
            sim.run(limitPs)
        } catch (io.probesim.x86.kernel.HostTaskFailure f) {
            throw f.cause
        } finally {
            kernel.shutdown()
        }
        assert done[0]: 'the test task did not finish'
    }
}
