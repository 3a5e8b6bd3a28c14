package io.probesim.probes.optprobes.x86

import io.probesim.probes.Era
import io.probesim.probes.Knob
import io.probesim.probes.ProbeConfig
import io.probesim.probes.invariants.ProbeInvariants
import io.probesim.probes.kprobes.Errno
import io.probesim.probes.kprobes.Kprobe
import io.probesim.probes.kprobes.KprobeException
import io.probesim.probes.kprobes.Kprobes
import io.probesim.probes.kprobes.x86.X86Kprobes
import io.probesim.sim.Simulation
import io.probesim.sim.Violations
import io.probesim.sim.explore.Strategies
import io.probesim.sim.log.EventLog
import io.probesim.x86.elf.LoadedObject
import io.probesim.x86.elf.ModuleLoader
import io.probesim.x86.kernel.Kernel
import io.probesim.x86.kernel.KernelConfig
import io.probesim.x86.mem.Memory
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Unroll

import java.nio.file.Files

/**
 * can_optimize (spec 3.1) and the region copy (3.2) on gcc's kstyle.o, at every instruction
 * boundary of every function. The expected verdict of each probe point comes from GNU objdump's
 * listing of the object ({@link KstyleObjdump}: jump targets, indirect jumps, relocations,
 * __ex_table) and seed 000's booster list, never from our decoder.
 */
class CanOptimizeSpec extends Specification {

    @Shared KstyleObjdump objdump = new KstyleObjdump()
    /** Our verdicts with no knob, computed once for the features that compare against them. */
    @Shared List<Verdict> plain = null

    List<Verdict> plainVerdicts() {
        if (plain == null) plain = verdicts([] as Set)
        plain
    }

    static class Machine {
        Kernel kernel
        Kprobes kprobes
        LoadedObject object
    }

    static Machine machine(Set<Knob> knobs = [] as Set, Era era = Era.E2010) {
        def sim = new Simulation(Strategies.replay(new int[0]), new EventLog(), 0)
        def violations = new Violations(sim, new LinkedHashSet<>(ProbeInvariants.all()*.name()))
        def kernel = new Kernel(new KernelConfig(1, false, 1000, 1, 2330), sim, new Memory(), violations)
        def object = ModuleLoader.load(kernel, Files.readAllBytes(KstyleObjdump.OBJECT), 'kstyle.o')
        def kprobes = new Kprobes(kernel, new ProbeConfig(era, knobs.isEmpty() ? EnumSet.noneOf(Knob) : EnumSet.copyOf(knobs)),
                { core -> new X86Kprobes(core) })
        new Machine(kernel: kernel, kprobes: kprobes, object: object)
    }

    /** What objdump lists after `section` in memory: the following executable sections while they are contiguous. */
    List<KstyleObjdump.Insn> following(LoadedObject obj, String section) {
        def code = obj.sections().findAll { it.executable() && it.size() > 0 }.sort { it.address() }
        int i = code.findIndexOf { it.name() == section }
        List<KstyleObjdump.Insn> out = []
        for (int j = i + 1; j < code.size() && code[j].address() == code[j - 1].end(); j++) out.addAll(objdump.bySection[code[j].name()])
        out
    }

    /** The category of a refusal, from its message. */
    static String category(KprobeException e) {
        String m = e.message
        if (m.contains('straddle')) return 'boundary'
        if (m.contains('indirect jump')) return 'indirect'
        if (m.contains('inside the jump')) return 'target'
        if (m.contains('exception-table')) return 'extable'
        'copy'
    }

    record Verdict(String where, Set<String> expected, String got, int expectedLength, int gotLength) {}

    /** Every probe point of every function: our verdict beside objdump's. */
    List<Verdict> verdicts(Set<Knob> knobs) {
        def m = machine(knobs)
        Map<Knob, String> dropped = [(Knob.SKIP_BOUNDARY_CHECK): 'boundary', (Knob.SKIP_INDIRECT_JUMP_CHECK): 'indirect',
                                     (Knob.SKIP_JUMP_TARGET_CHECK): 'target', (Knob.SKIP_EXTABLE_CHECK): 'extable']
        List<Verdict> out = []
        objdump.functions.each { f ->
            def sectionBase = m.object.section(f.section).get().address()
            def after = following(m.object, f.section)
            objdump.instructionsOf(f).each { insn ->
                long offset = insn.at - f.value
                Set<String> expected = objdump.reasons(f, offset, after) - knobs.collect { dropped[it] }
                def region = objdump.region(f, offset, after)
                def p = new Kprobe(null, 0, sectionBase + insn.at, null, null)
                String got = null
                int length = 0
                try {
                    length = CanOptimize.check(m.kprobes, p).length()
                } catch (KprobeException e) {
                    assert e.errno() == Errno.EINVAL: "$f.name+$offset: ${e.message}"
                    got = category(e)
                }
                out << new Verdict("${f.name}+0x${Long.toHexString(offset)}", expected, got,
                        region == null ? -1 : region.sum { it.length() } as int, length)
            }
        }
        out
    }

    static List<String> disagreements(List<Verdict> vs) {
        vs.findAll { v ->
            v.expected().isEmpty() ? (v.got() != null || v.gotLength() != v.expectedLength())
                                   : (v.got() == null || !(v.got() in v.expected()))
        }.collect { "${it.where()}: objdump says ${it.expected() ?: 'optimizable, ' + it.expectedLength() + ' bytes'}, we say ${it.got() ?: 'optimizable, ' + it.gotLength() + ' bytes'}" }
    }

    def "every instruction boundary of every kstyle.o function gets objdump's verdict"() {
        when:
        def vs = plainVerdicts()

        then: 'no disagreement'
        disagreements(vs) == []

        and: 'the table exercises every rule, and some points are optimizable (counts from the listing)'
        vs.size() == objdump.functions.sum { objdump.instructionsOf(it).size() }
        ['boundary', 'indirect', 'target', 'extable', 'copy'].every { r -> vs.any { it.expected() == [r] as Set } }
        vs.count { it.expected().isEmpty() } >= 20
    }

    @Unroll
    def "knob #knob.dslName() drops exactly the #rule check"() {
        when:
        def vs = verdicts([knob] as Set)

        then:
        disagreements(vs) == []
        def without = plainVerdicts()
        def newlyAllowed = (0..<vs.size()).findAll { without[it].got() != null && vs[it].got() == null }.collect { vs[it].where() }
        !newlyAllowed.isEmpty()
        newlyAllowed.every { w -> without.find { it.where() == w }.got() == rule }

        where:
        knob                          | rule
        Knob.SKIP_BOUNDARY_CHECK      | 'boundary'
        Knob.SKIP_INDIRECT_JUMP_CHECK | 'indirect'
        Knob.SKIP_JUMP_TARGET_CHECK   | 'target'
        Knob.SKIP_EXTABLE_CHECK       | 'extable'
    }

    def "the rows' probe points: refused for the reason objdump shows, optimizable with their knob"() {
        // Hand-checked in `objdump -d -r kstyle.o`:
        //  do_work+0x124 is its last byte (ret, 0x374; do_work is 0x125 long): 1 byte to the end (S7)
        //  dispatch_op has `jmp *0x0(,%rdi,8)` at +0xe, its jump table (S8)
        //  fib_recursive+0xf: mov %rdi,%rbx (3) + lea (4); `jg 212` at +0x26 targets +0x12 = addr+3 (S9)
        //  get_user_long+0x2: mov (%rsi),%rsi is __ex_table's first entry (.text+0xb2) (S10)
        expect:
        refusal(point, [] as Set) == rule
        refusal(point, [knob] as Set) == null

        where:
        point               | rule       | knob
        'do_work+0x124'     | 'boundary' | Knob.SKIP_BOUNDARY_CHECK
        'dispatch_op+0x0'   | 'indirect' | Knob.SKIP_INDIRECT_JUMP_CHECK
        'fib_recursive+0xf' | 'target'   | Knob.SKIP_JUMP_TARGET_CHECK
        'get_user_long+0x2' | 'extable'  | Knob.SKIP_EXTABLE_CHECK
    }

    String refusal(String point, Set<Knob> knobs) {
        def m = machine(knobs)
        def (sym, off) = point.split(/\+0x/)
        def p = new Kprobe(null, 0, m.kernel.symbols().require(sym).address() + Long.parseLong(off, 16), null, null)
        try {
            CanOptimize.check(m.kprobes, p)
            null
        } catch (KprobeException e) {
            category(e)
        }
    }

    def "an enabled kprobe inside bytes 1..len-1 of the region blocks it with EEXIST; a disabled one does not"() {
        given: 'fib_recursive+0xf covers 7 bytes (objdump: 3 + 4); a probe at +0x12 lies inside'
        def m = machine([Knob.SKIP_JUMP_TARGET_CHECK] as Set)
        long fn = m.kernel.symbols().require('fib_recursive').address()
        String blocked = null
        boolean disabledBlocks = true

        when:
        runHost(m) { ctx ->
            def inner = Kprobe.at('fib_recursive', 0x12, null, null)
            m.kprobes.register(ctx, inner)
            try {
                CanOptimize.check(m.kprobes, new Kprobe(null, 0, fn + 0xf, null, null))
            } catch (KprobeException e) {
                blocked = e.errno().name() + ' ' + e.message
            }
            def off = Kprobe.at('fib_recursive', 0x12 + 4, null, null)   // +0x16: sub $2,%rbx, outside 0xf..0x15
            m.kprobes.register(ctx, off)
            disabledBlocks = false
        }

        then:
        blocked.startsWith('EEXIST')
        blocked.contains('fib_recursive+0x12')
        !disabledBlocks
        refusalIn(m, fn + 0xf) == 'copy'   // still blocked by the enabled probe at +0x12 (EEXIST, a copy-stage refusal)
    }

    def "decoding sees through the int3 of registered probes; a foreign int3 in the body refuses"() {
        given:
        def m = machine()
        long fn = m.kernel.symbols().require('fib_recursive').address()
        List<String> before = []

        when: 'probes (armed int3) on +0x26 (the jg) and +0x38: outside the regions checked'
        runHost(m) { ctx ->
            m.kprobes.register(ctx, Kprobe.at('fib_recursive', 0x26, null, null))
            m.kprobes.register(ctx, Kprobe.at('fib_recursive', 0x38, null, null))
        }

        then: 'the armed bytes are int3, yet the jg at +0x26 is still seen: +0xf is refused for its target'
        m.kernel.memory().read8(fn + 0x26) == 0xcc
        refusalIn(m, fn + 0xf) == 'target'
        // +0x8: mov %rdi,%r12 (3) + push %rbp (1) + xor %ebp,%ebp (2): all boostable, no target in +0x9..+0xc
        refusalIn(m, fn + 0x8) == null

        when: 'an int3 nobody registered, in the middle of the function (+0x2c: pop %rbx)'
        m.kernel.memory().poke(fn + 0x2c, [0xcc] as byte[])

        then:
        refusalMessage(m, fn + 0x8).contains('int3 at fib_recursive+0x2c')
    }

    /** Runs `body` as a host task on cpu 0 of the machine until it returns. */
    static void runHost(Machine m, Closure body) {
        boolean[] done = [false]
        m.kernel.createHostTask('test', 0, { ctx -> body(ctx); done[0] = true } as java.util.function.Consumer)
        m.kernel.addExitListener({ t -> if (t.name() == 'test') m.kernel.simulation().stop('test done') } as java.util.function.Consumer)
        m.kernel.boot()
        try {
            m.kernel.simulation().run(10 * io.probesim.sim.Time.MS)
        } catch (io.probesim.x86.kernel.HostTaskFailure f) {
            throw f.cause
        } finally {
            m.kernel.shutdown()
        }
        assert done[0]: 'the test task did not finish'
    }

    static String refusalIn(Machine m, long addr) {
        try {
            CanOptimize.check(m.kprobes, new Kprobe(null, 0, addr, null, null))
            null
        } catch (KprobeException e) {
            category(e)
        }
    }

    static String refusalMessage(Machine m, long addr) {
        try {
            CanOptimize.check(m.kprobes, new Kprobe(null, 0, addr, null, null))
            ''
        } catch (KprobeException e) {
            e.message
        }
    }

    def "the regions of the rows' points hold objdump's bytes"() {
        given:
        def m = machine([Knob.SKIP_BOUNDARY_CHECK, Knob.SKIP_JUMP_TARGET_CHECK] as Set)
        long fn = m.kernel.symbols().require(sym).address()

        when:
        def r = CanOptimize.check(m.kprobes, new Kprobe(null, 0, fn + off, null, null))

        then:
        r.address() == fn + off
        r.copied().collect { it & 0xff } == bytes

        where: 'bytes from objdump -d (do_work+0x124: ret, then dispatch_op.cold in .text.unlikely right after .text)'
        sym             | off   | bytes
        'do_work'       | 0x124 | [0xc3, 0x48, 0x83, 0xc8, 0xff]
        'fib_recursive' | 0xf   | [0x48, 0x89, 0xfb, 0x48, 0x8d, 0x7b, 0xff]
        'checksum_loop' | 0x5   | [0x48, 0x01, 0xfe, 0x31, 0xc0]
    }

}
