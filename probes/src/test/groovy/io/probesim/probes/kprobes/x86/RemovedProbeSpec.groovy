package io.probesim.probes.kprobes.x86

import io.probesim.probes.Era
import io.probesim.probes.Knob
import io.probesim.probes.kprobes.Kprobe
import io.probesim.probes.kprobes.KprobesTestbed
import io.probesim.sim.ChoiceKind
import io.probesim.sim.Chooser
import io.probesim.sim.Time
import io.probesim.sim.log.Event
import io.probesim.sim.log.EventListener
import io.probesim.sim.log.EventLog
import io.probesim.x86.kernel.HostContext
import io.probesim.x86.kernel.Layout
import io.probesim.x86.mem.Memory
import spock.lang.Specification

import java.util.function.Consumer

/**
 * Row S20 by hand (spec kprobes-x86.md 2.7): cpu 0 takes the int3 of a probe and is held
 * between the trap and do_int3 (a chooser stall of 5 us right after the step that logged the
 * int3, as a hypervisor or an NMI would hold it); meanwhile cpu 1 unregisters the probe, which
 * writes the original byte back and unhashes it. do_int3 then finds no probe and no 0xCC: the
 * kernel backs ip up over the vanished int3 and the original instruction runs, once.
 */
class RemovedProbeSpec extends Specification {

    static final long RESULT = Layout.KERNEL_DATA

    // add_target's first instruction, add %rdi,%rax (48 01 f8), tells apart what can happen to
    // rax = 0x100000029 and rdi = 1 (hand-computed):
    //   run once, as it must            0x10000002a
    //   run twice (restart after a run) 0x10000002b
    //   not run (int3 skipped over it)  0x100000029
    //   resumed at the byte after the int3: 01 f8 = add %edi,%eax, which zero-extends: 0x2a
    static final String TEXT = '''
worker:     mov  $3000, %ecx            # ~3 us: the probe is registered long before the call
wait:       dec  %ecx
            jnz  wait
            mov  $1, %rax
            shl  $32, %rax
            add  $0x29, %rax
            mov  $1, %rdi
            call add_target
            mov  %rax, result(%rip)
            ret                         # ends the task: cpu 0 idles, a quiescent state
add_target: add  %rdi, %rax
            ret
'''

    /** No choices, no stalls, except one 5 us stall of cpu 0 right after the step that logged its first int3. */
    static class StallAfterTrap implements Chooser {
        EventLog log
        boolean stalled

        int choose(ChoiceKind kind, int n) { 0 }
        int pickActor(int[] candidates) { 0 }
        int[] recorded() { new int[0] }

        long stallAfterStep(int actor, long step) {
            if (stalled || log == null || log.size() == 0) return 0
            Event last = log.events().last()
            if (last.kind() != 'int3' || last.cpu() != 0) return 0
            stalled = true
            (Chooser.STALL_CHOICES - 1) * Chooser.STALL_UNIT_PS
        }
    }

    /** Runs the worker on cpu 0 and, on cpu 1, register / wait for cpu 0's int3 / unregister. */
    static Map race(List<Knob> knobs, boolean hold) {
        def chooser = new StallAfterTrap()
        def bed = new KprobesTestbed([cpus: 2, era: Era.E2006, knobs: knobs, chooser: chooser, externals: [result: RESULT]], TEXT)
        chooser.log = hold ? bed.log : null
        def kernel = bed.kernel
        kernel.memory().map(RESULT, Memory.PAGE_SIZE, Memory.R | Memory.W)
        boolean[] trapped = [false]
        boolean[] done = [false]
        bed.log.addListener({ Event e -> if (e.kind() == 'int3' && e.cpu() == 0) trapped[0] = true } as EventListener)
        def kp = Kprobe.at('add_target', 0, null, null)
        kernel.createX86Task('worker', 0, kernel.symbols().require('worker').address())
        kernel.createHostTask('test', 1, { HostContext ctx ->
            bed.kprobes.register(ctx, kp)
            while (!trapped[0]) ctx.sleep(10 * Time.NS)
            bed.kprobes.unregister(ctx, kp)
            done[0] = true
        } as Consumer<HostContext>)
        kernel.boot()
        try {
            bed.sim.run(100 * Time.US)
        } finally {
            kernel.shutdown()
        }
        def events = bed.log.events()
        [result   : kernel.memory().read64(RESULT),
         target   : kernel.symbols().require('add_target').address(),
         violation: bed.violations.first(),
         done     : done[0],
         cpu0     : events.findAll { it.cpu() == 0 && it.kind() in ['int3', 'kprobe-pre', 'kprobe-gone', 'int3-done', 'oops'] },
         order    : [events.findIndexOf { it.kind() == 'int3' },
                     events.findIndexOf { it.kind() == 'text-write' && it.field('why').startsWith('disarm') },
                     events.findIndexOf { it.kind() == 'kprobe-unregister' },
                     events.findIndexOf { it.kind() == 'kprobe-gone' }]]
    }

    def "a probe removed between the trap and do_int3: ip backed up, the original instruction runs once"() {
        when:
        def r = race([], true)

        then: 'no invariant broken, the unregister returned'
        r.violation.isEmpty()
        r.done

        and: 'the trap found no probe and no int3: no handler, one kprobe-gone at the probed address'
        r.cpu0*.kind() == ['int3', 'kprobe-gone', 'int3-done']
        r.cpu0[0].field('ip') == '0x' + Long.toHexString(r.target)
        r.cpu0[1].field('addr') == '0x' + Long.toHexString(r.target)

        and: 'the disarm and the unhash landed between the trap and do_int3'
        r.order.every { it >= 0 }
        r.order == r.order.sort(false)      // int3 < disarm < unhash < kprobe-gone in the log

        and: 'add %rdi,%rax ran exactly once, from its first byte'
        r.result == 0x10000002aL
    }

    def "with --knob noRemovedProbeCheck the same race is an int3 no one handles: an oops"() {
        when:
        def r = race([Knob.NO_REMOVED_PROBE_CHECK], true)

        then:
        r.violation.isPresent()
        r.violation.get().invariant() == 'no-oops'
        r.violation.get().message().contains('int3 at 0x' + Long.toHexString(r.target) + ' that no one handles')
        r.cpu0*.kind() == ['int3', 'oops']
        r.result == 0L                      // the worker died before storing
    }

    def "without the hold (#knobs) do_int3 runs before the unhash: an ordinary hit, handled once"() {
        when:
        def r = race(knobs, false)

        then:
        r.violation.isEmpty()
        r.done
        r.cpu0*.kind() == ['int3', 'kprobe-pre', 'int3-done']
        r.result == 0x10000002aL

        where:
        knobs << [[], [Knob.NO_REMOVED_PROBE_CHECK]]
    }
}
