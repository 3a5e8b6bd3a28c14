package io.probesim.probes.optprobes.x86

import io.probesim.probes.Era
import io.probesim.probes.Knob
import io.probesim.probes.ProbeConfig
import io.probesim.probes.invariants.ProbeInvariants
import io.probesim.probes.kprobes.Kprobe
import io.probesim.probes.kprobes.KprobeException
import io.probesim.probes.kprobes.Kprobes
import io.probesim.probes.kprobes.PreHandler
import io.probesim.probes.kprobes.x86.X86Kprobes
import io.probesim.probes.optprobes.Optprobes
import io.probesim.sim.Simulation
import io.probesim.sim.Time
import io.probesim.sim.Violations
import io.probesim.sim.explore.Strategies
import io.probesim.sim.log.EventLog
import io.probesim.x86.elf.ModuleLoader
import io.probesim.x86.kernel.HostContext
import io.probesim.x86.kernel.Kernel
import io.probesim.x86.kernel.KernelConfig
import io.probesim.x86.mem.Memory
import spock.lang.Specification

import java.nio.file.Files
import java.util.Arrays
import java.util.function.Consumer

/**
 * Transparency of probes on gcc's kstyle.o: a probe on every instruction boundary of a set of
 * functions (optimized where can_optimize allows it; plain int3 probes, single-stepped or
 * boosted, everywhere registration allows), each function called with several inputs. Every
 * result, and the memory a function writes, must equal what kstyle.c's C code computes: the
 * expected values are the C semantics written out here (kstyle.c is the reference), not a run of
 * our machine.
 */
class KstyleTransparencySpec extends Specification {

    static final long MASK32 = 0xffffffffL

    /** C semantics of kstyle.c's dispatch_op (long arithmetic, b & 63 shifts, b == 0 guard). */
    static long dispatchOp(int op, long a, long b) {
        switch (op) {
            case 0: return a + b
            case 1: return a - b
            case 2: return a * b
            case 3: return b ? a.intdiv(b) : 0
            case 4: return a & b
            case 5: return a | b
            case 6: return a ^ b
            case 7: return a << (b & 63)
            case 8: return a >> (b & 63)
            case 9: return -a
            default: return -1
        }
    }

    static long checksum(byte[] p) {
        long sum = 0
        for (byte c : p) sum = (((sum << 3) & MASK32) + (sum >>> 29) + (c & 0xff)) & MASK32
        sum
    }

    static long fib(long n) { n < 2 ? n : fib(n - 1) + fib(n - 2) }

    /** function -> list of [args, expected result] (the buffer's address is filled in at run time for checksum_loop). */
    static final Map<String, List<List>> CASES = [
            dispatch_op  : (0..10).collectMany { op -> [[[op, 1000, 7], dispatchOp(op, 1000, 7)], [[op, -5, 0], dispatchOp(op, -5, 0)]] },
            fib_recursive: (0..7).collect { n -> [[n], fib(n)] },
            hweight      : [0L, 1L, 0xffL, 0x8000000000000001L, -1L].collect { w -> [[w], (long) Long.bitCount(w)] },
            find_first_set: [0L, 1L, 0x80L, 0x100000000L, Long.MIN_VALUE].collect { w -> [[w], w == 0 ? 64L : (long) Long.numberOfTrailingZeros(w)] },
            short_leaf   : [0L, 42L, -1L].collect { x -> [[x], x] },
            checksum_loop: [0, 1, 7, 32].collect { n -> [['BUF', n], checksum(Arrays.copyOf(buffer(), n))] },
            // memory effects: the result is the destination; OUT = buf + 64, cleared before each call
            memset_small : [[0x5a, 16], [0xff, 1], [7, 0]].collect { c, n -> [['OUT', c, n], 'OUT', ([(byte) c] * n) as byte[]] },
            memcpy_small : [1, 8, 20].collect { n -> [['OUT', 'BUF', n], 'OUT', Arrays.copyOf(buffer(), n)] },
    ]

    static final int OUT = 64

    /** The bytes checksum_loop reads: 0, 7, 14, ... (mod 256). */
    static byte[] buffer() { (0..<32).collect { (byte) (it * 7) } as byte[] }

    static class Bed {
        Simulation sim
        Violations violations
        Kernel kernel
        Kprobes kprobes
        Optprobes opt
        long buf
    }

    static Bed bed(Era era, boolean preempt = false) {
        def b = new Bed()
        b.sim = new Simulation(Strategies.replay(new int[0]), new EventLog(), 0)
        b.violations = new Violations(b.sim, new LinkedHashSet<>(ProbeInvariants.all()*.name()))
        b.kernel = new Kernel(new KernelConfig(2, preempt, 100000, 1, 2330), b.sim, new Memory(), b.violations)
        ModuleLoader.load(b.kernel, Files.readAllBytes(KstyleObjdump.OBJECT), 'kstyle.o')
        b.buf = b.kernel.allocateModuleSpace(4096)
        b.kernel.memory().map(b.buf, 4096, Memory.R | Memory.W)
        b.kernel.memory().poke(b.buf, buffer())
        b.kprobes = new Kprobes(b.kernel, new ProbeConfig(era, EnumSet.noneOf(Knob)), { core -> new X86Kprobes(core) })
        if (era.optprobes()) b.opt = new Optprobes(b.kprobes, { o -> new X86Optprobes(o) }, 1)
        b
    }

    static void run(Bed b, Closure body) {
        boolean[] done = [false]
        b.kernel.createHostTask('test', 0, { HostContext ctx -> body(ctx); done[0] = true } as Consumer<HostContext>)
        b.kernel.addExitListener({ t -> if (t.name() == 'test') b.sim.stop('test done') } as Consumer)
        b.kernel.boot()
        try {
            b.sim.run(2000 * Time.MS)
        } catch (io.probesim.x86.kernel.HostTaskFailure f) {
            throw f.cause
        } finally {
            b.kernel.shutdown()
        }
        assert done[0]: 'the test task did not finish'
    }

    /** Calls every case of `fn`; the differences from the C results, described. */
    static List<String> callAll(HostContext ctx, Bed b, String fn, String where) {
        List<String> wrong = []
        CASES[fn].each { c ->
            b.kernel.memory().poke(b.buf + OUT, new byte[64])
            long[] args = (c[0] as List).collect { it == 'BUF' ? b.buf : it == 'OUT' ? b.buf + OUT : it as long } as long[]
            long got = ctx.call(fn, args)
            long want = c[1] == 'OUT' ? b.buf + OUT : c[1] as long
            if (fn == 'checksum_loop') got &= MASK32
            if (got != want) wrong << "$where: $fn${c[0]} = $got, C says $want"
            if (c.size() > 2) {
                byte[] written = c[2] as byte[]
                byte[] expected = Arrays.copyOf(written, 64)          // the rest of OUT stays zero
                byte[] now = b.kernel.memory().read(b.buf + OUT, 64)
                if (now != expected) wrong << "$where: $fn${c[0]} left ${now.encodeHex()} at OUT, C says ${expected.encodeHex()}"
            }
        }
        byte[] now = b.kernel.memory().read(b.buf, 32)
        if (now != buffer()) wrong << "$where: $fn changed the buffer it only reads"
        wrong
    }

    static List<Long> boundaries(String fn) {
        def objdump = new KstyleObjdump()
        def f = objdump.functions.find { it.name == fn }
        objdump.instructionsOf(f).collect { it.at - f.value }
    }

    def "#fn: an optimized probe on each boundary can_optimize allows leaves every result as C computes it"() {
        given:
        def b = bed(Era.MODERN)
        long base = b.kernel.symbols().require(fn).address()
        List<String> wrong = []
        List<Long> optimized = []
        int hits = 0

        when:
        run(b) { HostContext ctx ->
            wrong += callAll(ctx, b, fn, 'unprobed')
            for (long off : boundaries(fn)) {
                def p = new Kprobe(null, 0, base + off, { Kprobe k, regs -> hits++; 0 } as PreHandler, null)
                b.kprobes.register(ctx, p)
                try {
                    b.opt.optimizeAndWait(ctx, p)
                    assert (b.kernel.memory().read8(base + off)) == 0xe9
                    optimized << off
                } catch (KprobeException e) {
                    assert e.message.contains('cannot optimize')
                }
                wrong += callAll(ctx, b, fn, "probe at $fn+0x${Long.toHexString(off)}")
                b.kprobes.unregister(ctx, p)
            }
        }

        then:
        wrong == []
        optimized.size() >= minOptimized
        hits > 0
        b.violations.first().isEmpty()
        b.sim.log().events().count { it.kind() == 'opt-hit' } > 0

        where: 'minOptimized: boundaries CanOptimizeSpec finds optimizable per objdump, at least'
        fn              | minOptimized
        'fib_recursive' | 3
        'hweight'       | 1
        'find_first_set'| 1
        'checksum_loop' | 1
        'memset_small'  | 1
        'memcpy_small'  | 1
    }

    def "#fn: a plain (#era) probe on every boundary leaves every result as C computes it"() {
        given:
        def b = bed(era)
        long base = b.kernel.symbols().require(fn).address()
        List<String> wrong = []
        int probed = 0, hits = 0

        when:
        run(b) { HostContext ctx ->
            for (long off : boundaries(fn)) {
                def p = new Kprobe(null, 0, base + off, { Kprobe k, regs -> hits++; 0 } as PreHandler, null)
                try {
                    b.kprobes.register(ctx, p)
                } catch (KprobeException e) {
                    assert e.message.contains('RIP-relative')
                    continue
                }
                probed++
                wrong += callAll(ctx, b, fn, "probe at $fn+0x${Long.toHexString(off)}")
                b.kprobes.unregister(ctx, p)
            }
        }

        then:
        wrong == []
        probed == boundaries(fn).size()
        hits > 0
        b.violations.first().isEmpty()

        where:
        [fn, era] << [['dispatch_op', 'fib_recursive', 'hweight', 'find_first_set', 'short_leaf', 'checksum_loop', 'memset_small', 'memcpy_small'], [Era.E2006]].combinations()
    }
}
