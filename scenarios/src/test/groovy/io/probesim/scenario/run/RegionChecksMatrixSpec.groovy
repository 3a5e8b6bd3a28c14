package io.probesim.scenario.run

import io.probesim.sim.explore.Budget
import io.probesim.sim.explore.Explorer
import io.probesim.sim.explore.ReplayToken
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

/**
 * Rows S7-S10 of shared/spec/invariants.md (can_optimize's region checks) on gcc-compiled code
 * (fixtures/kstyle/kstyle.o) in both directions: with the row's knob the explorer finds the
 * violation and its replay token reproduces it bit for bit; with the check in place the probe
 * stays an int3 kprobe, refused for the reason seed 001 gives, and nothing breaks.
 */
class RegionChecksMatrixSpec extends Specification {

    /** Schedules for the safe direction in CI (the CLI acceptance runs 5,000). */
    static final long SAFE_BUDGET = Long.getLong('probesim.safeBudget', 1000)

    def "#row unsafe: with --knob #knob the explorer finds #invariants and the token replays it"() {
        given:
        def runner = Examples.runner(row, [knob])
        def explorer = new Explorer(runner, Strategies.random(1), 'spec')

        when:
        def result = explorer.explore(Budget.schedules(500), 2, { d, t, v -> })

        then: 'found within the budget, for a probe the optimizer took (flagged OPTIMIZED and queued)'
        result.violation().isPresent()
        def found = result.violation().get()
        def v = found.shrunk().violation().get()
        v.invariant() in invariants
        found.shrunk().log().events().any { it.kind() == 'optprobe-queued' }

        when: 'the shrunk choices are replayed twice'
        def token = ReplayToken.decode(found.token())
        def again = runner.run(Strategies.replay(token.choices()))
        def third = runner.run(Strategies.replay(token.choices()))

        then: 'the same violation, the same event log'
        again.violation().get().invariant() == v.invariant()
        again.violation().get().message() == v.message()
        again.logSha256() == found.shrunk().logSha256()
        third.logSha256() == again.logSha256()

        where:
        row   | knob                    || invariants
        's7'  | 'skipBoundaryCheck'     || ['no-jump-into-region', 'no-oops']
        's8'  | 'skipIndirectJumpCheck' || ['no-jump-into-region', 'no-oops']
        's9'  | 'skipJumpTargetCheck'   || ['no-jump-into-region', 'no-oops']
        's10' | 'skipExtableCheck'      || ['no-jump-into-region']
    }

    def "#row: #invariant alone catches the race with --knob #knob, naming #how, and holds without the knob"() {
        when:
        def unsafe = new Explorer(Examples.runnerChecking(row, [knob], [invariant]), Strategies.random(1), 'spec')
                .explore(Budget.schedules(500), 2, { d, t, v -> })
        def safe = new Explorer(Examples.runnerChecking(row, [], [invariant]), Strategies.random(1), 'spec')
                .explore(Budget.schedules(100), 2, { d, t, v -> })

        then:
        def v = unsafe.violation().get().shrunk().violation().get()
        v.invariant() == invariant
        v.message().contains(how)
        v.message().contains(target)
        safe.violation().isEmpty()

        where: 'the branches and targets, read off `objdump -d -r kstyle.o` (see the scenarios)'
        row   | knob                    | invariant             | how                  | target
        's7'  | 'skipBoundaryCheck'     | 'no-jump-into-region' | "a branch ('ja"      | 'landed at dispatch_op.cold, byte 1'
        's8'  | 'skipIndirectJumpCheck' | 'no-jump-into-region' | "a branch ('jmp    *" | 'landed at dispatch_op+0x20, byte 2'
        's9'  | 'skipJumpTargetCheck'   | 'no-jump-into-region' | "a branch ('jg"      | 'landed at fib_recursive+0x12, byte 3'
        // S10: the fixup's `jmp 2b` (objdump -d -r get_user_slow.o: .fixup+0x1e, R_X86_64_PC32
        // .text+0x1, i.e. get_user_slow+0x5) returns to byte 3 of the region at get_user_slow+0x2
        's10' | 'skipExtableCheck'      | 'no-jump-into-region' | "a branch ('jmp"     | 'landed at get_user_slow+0x5, byte 3'
    }

    def "#row safe: can_optimize refuses (#why), the int3 probe is hit, and #budget random schedules hold"() {
        given:
        def runner = Examples.runner(row)

        when: 'one schedule'
        def one = runner.run(Strategies.random(3).chooserFor(0))
        def events = one.log().events()

        then: 'refused for the row reason; never optimized; the probe really fires as an int3 probe'
        events.any { it.kind() == 'optprobe-refused' && it.field('why').contains(why) }
        !events.any { it.kind() == 'opt-jump-begin' }
        events.count { it.kind() == 'kprobe-pre' } > 3
        one.violation().isEmpty()

        when:
        def result = new Explorer(runner, Strategies.random(7), 'spec').explore(Budget.schedules(budget), 2, { d, t, v -> })

        then:
        result.violation().isEmpty()
        result.schedules() == budget

        where:
        row   | why
        's7'  | 'straddle'
        's8'  | 'indirect jump'
        's9'  | 'inside the jump'
        's10' | 'exception-table entry'
        budget = SAFE_BUDGET
    }

    def "s10 unsafe: the worker entered the fixup before the probe existed and left it after the jump was written"() {
        when:
        def one = Examples.runner('s10', ['skipExtableCheck']).run(Strategies.random(3).chooserFor(0))
        def ev = one.log().events()
        def fixup = ev.find { it.kind() == 'fixup' }
        def register = ev.find { it.kind() == 'kprobe-register' }
        def written = ev.find { it.kind() == 'opt-jump-written' }

        then: 'fault and fixup, then registration, then the jump, then the fixup\'s jump back: no hit ever ran the detour copy'
        fixup.seq() < register.seq()
        register.seq() < written.seq()
        one.violation().get().invariant() == 'no-jump-into-region'
        !ev.any { it.kind() == 'oops' }
    }

    def "s10 safe: the int3 probe on the faulting load hands the fault back to the probed address, so the fixup runs"() {
        when:
        def one = Examples.runner('s10').run(Strategies.random(3).chooserFor(0))
        def events = one.log().events()

        then: 'kprobe_fault_handler then fixup_exception at get_user_long+0x2, never an oops'
        events.any { it.kind() == 'kprobe-fault' }
        events.any { it.kind() == 'fixup' }
        !events.any { it.kind() == 'oops' }
    }
}
