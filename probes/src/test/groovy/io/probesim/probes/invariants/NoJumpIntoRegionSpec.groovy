package io.probesim.probes.invariants

import io.probesim.probes.optprobes.x86.OptRegion
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
import spock.lang.Specification

import java.util.function.Consumer

/**
 * no-jump-into-region on a hand-made region: `target` is two 4-byte adds (an 8-byte region),
 * `mid` the second add, i.e. byte 4 of the region, inside the 5-byte jump once it is written.
 * The jump goes to `detour`, which does the two adds and returns as the region would (and
 * counts its runs in rbx). The worker calls target and then mid or inner, forever.
 */
class NoJumpIntoRegionSpec extends Specification {

    static final String TEXT = '''
worker:  call target
         call DIRECT
         jmp  worker
target:  add  $1, %rax
mid:     add  $2, %rax
         ret
inner:   add  $2, %rax
         ret
detour:  add  $1, %rax
         add  $2, %rax
         add  $1, %rbx
         ret
'''

    Kernel kernel
    Violations violations
    Simulation sim
    long target, detour

    void machine(boolean checked, String direct) {
        def asm = Assembler.assemble(TEXT.replace('DIRECT', direct), Layout.KERNEL_TEXT, Mode.BITS64)
        def mem = new Memory()
        mem.map(Layout.KERNEL_TEXT, asm.code().length, Memory.R | Memory.X)
        mem.poke(Layout.KERNEL_TEXT, asm.code())
        sim = new Simulation(Strategies.replay(new int[0]), new EventLog(), 0)
        violations = new Violations(sim, checked ? [NoJumpIntoRegion.NAME] as Set : [] as Set)
        kernel = new Kernel(new KernelConfig(2, false, 1000, 1, 2330), sim, mem, violations)
        asm.symbols().each { kernel.symbols().add(it.name(), it.address(), it.size()) }
        target = kernel.symbols().require('target').address()
        detour = kernel.symbols().require('detour').address()
    }

    /** The worker on cpu 0; on cpu 1 a host task writes the jump over target's 8 bytes at once. */
    void run(NoJumpIntoRegion inv, boolean writeJump = true) {
        kernel.createX86Task('worker', 0, kernel.symbols().require('worker').address())
        kernel.createHostTask('patcher', 1, { HostContext ctx ->
            ctx.sleep(2 * Time.US)
            long rel = detour - (target + 5)
            byte[] jmp = [0xe9, rel, rel >> 8, rel >> 16, rel >> 24] as byte[]
            def region = new OptRegion(target, 8, kernel.memory().read(target, 8))
            inv.optimizing(region)
            if (writeJump) kernel.textPatcher().poke(ctx, target, jmp, 'optimize')
            ctx.sleep(5 * Time.US)
            if (!writeJump) inv.unoptimized(region)
            sim.stop('done')
        } as Consumer<HostContext>)
        kernel.boot()
        try {
            sim.run(200 * Time.US)
        } finally {
            kernel.shutdown()
        }
    }

    def "a call into byte 4 of the written jump is caught, naming the branch and the region"() {
        given:
        machine(true, 'mid')
        def inv = new NoJumpIntoRegion(kernel, violations)

        when:
        run(inv)

        then:
        def v = violations.first().orElseThrow()
        v.invariant() == 'no-jump-into-region'
        v.message().contains("a branch ('call")
        v.message().contains('landed at mid, byte 4 of the jump written over the optimized region at target (8 bytes)')
    }

    def "calls to the region's first byte and to code outside it hold"() {
        given: 'inner is outside the region; target itself is the jump'
        machine(true, 'inner')
        def inv = new NoJumpIntoRegion(kernel, violations)

        when:
        run(inv)

        then:
        violations.first().isEmpty()
        kernel.cpu(0).cpu().gpr[3] > 0   // rbx: the worker went through the jump to the detour
    }

    def "calls into mid while the region is watched but its bytes are the original ones hold; unoptimized ends the watch"() {
        given:
        machine(true, 'mid')
        def inv = new NoJumpIntoRegion(kernel, violations)

        when:
        run(inv, false)

        then:
        violations.first().isEmpty()
        kernel.cpu(0).@watches.length == 0
    }

    def "not checked: nothing is watched, so the interpreter's path stays the plain one"() {
        given:
        machine(false, 'inner')
        def inv = new NoJumpIntoRegion(kernel, violations)

        when:
        run(inv)

        then:
        kernel.cpu(0).@watches.length == 0
        kernel.cpu(1).@watches.length == 0
        violations.first().isEmpty()
    }
}
