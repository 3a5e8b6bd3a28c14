package io.probesim.x86.cpu

import groovy.transform.CompileStatic
import io.probesim.x86.decode.Mnemonic
import io.probesim.x86.decode.Mode
import io.probesim.x86.format.Disassembler
import io.probesim.x86.mem.Memory

/**
 * The simulator side of {@link SequenceSpec}: one test machine with the runner's layout (a writable
 * code page at CODE, the window's page at PAGE, nothing else mapped; in 64-bit mode the runner's FS and GS
 * bases), user mode (CPL 3, like the host process).
 * Runs a sequence's bytes until rip reaches its end or a step returns something else, and lists every
 * difference from the host's result: rip, all general registers, CF PF AF ZF SF OF DF, and every byte
 * of the window.
 */
@CompileStatic
class SeqSim {
    /** All of EFLAGS but RF (the host's signal frame may carry it after a fault; Cpu leaves it to the kernel model). */
    static final long COMPARED_FLAGS = 0xffffffffL & ~Flags.RF
    static final String[] NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as String[]

    final int bits
    final int nreg
    final Memory mem = new Memory()
    final Cpu cpu
    /** How often each mnemonic was executed (coverage of the generator). */
    final Map<Mnemonic, Integer> executed = new EnumMap<>(Mnemonic)
    long steps
    private final byte[] page = new byte[Memory.PAGE_SIZE]

    SeqSim(int bits) {
        this.bits = bits
        nreg = bits == 64 ? 16 : 8
        mem.map(SeqGen.CODE, Memory.PAGE_SIZE, Memory.R | Memory.W | Memory.X | Memory.U)   // user RWX like the runner's (self-modifying code)
        mem.map(SeqGen.PAGE, Memory.PAGE_SIZE, Memory.R | Memory.W | Memory.U)
        cpu = new Cpu(mem, bits == 64 ? Mode.BITS64 : Mode.BITS32)
        if (bits == 64) {
            cpu.fsBase = SeqGen.FS_BASE
            cpu.gsBase = SeqGen.GS_BASE
        }
    }

    /** Runs one sequence; returns the differences from the host (empty when none). */
    List<String> compare(SeqGen.Sequence s, SeqHost.Result host) {
        Arrays.fill(page, (byte) 0xcc)
        System.arraycopy(s.code, 0, page, 0, s.code.length)
        mem.poke(SeqGen.CODE, page)
        Arrays.fill(page, (byte) 0)
        byte[] init = SeqHost.fill(s.fillSeed, s.fillKind)
        int win = (int) (SeqGen.WIN - SeqGen.PAGE)
        System.arraycopy(init, 0, page, win, init.length)
        mem.poke(SeqGen.PAGE, page)
        Arrays.fill(cpu.gpr, 0L)
        for (int r = 0; r < nreg; r++) cpu.gpr[r] = s.regs[r]
        cpu.rflags = s.flags
        cpu.cpl = 3
        cpu.cs = bits == 64 ? 0x33 : 0x23
        cpu.ss = 0x2b
        cpu.rip = SeqGen.CODE
        long end = SeqGen.CODE + s.code.length
        int r = Step.OK
        int n = 0
        while (cpu.rip != end && n < 100000) {
            r = cpu.step()
            n++
            def insn = cpu.lastInstruction()
            if (insn != null) executed.merge(insn.mnemonic(), 1, Integer::sum)
            if (r != Step.OK) break
        }
        steps += n

        List<String> diffs = []
        String hostEnd = host.signal == 0 ? 'end' : signalName(host.signal)
        String ourEnd = r == Step.OK && cpu.rip == end ? 'end' : Step.name(r)
        if (!matches(host.signal, r, cpu.rip == end)) diffs << "stopped: ours $ourEnd, host $hostEnd".toString()
        if (cpu.rip != host.ip) diffs << String.format('rip: ours %x host %x', cpu.rip, host.ip)
        if (r == Step.PF && host.signal == SeqHost.SIGSEGV && host.faultAddress != cpu.faultAddress()) {
            diffs << String.format('fault address: ours %x host %x', cpu.faultAddress(), host.faultAddress)
        }
        for (int i = 0; i < nreg; i++) {
            if (cpu.gpr[i] != host.regs[i]) diffs << String.format('%s: ours %x host %x', NAMES[i], cpu.gpr[i], host.regs[i])
        }
        long of = cpu.rflags & COMPARED_FLAGS, hf = host.flags & COMPARED_FLAGS
        if (of != hf) diffs << String.format('flags: ours %s host %s', flagNames(of), flagNames(hf))
        byte[] all = mem.read(SeqGen.PAGE, Memory.PAGE_SIZE)
        byte[] ours = Arrays.copyOfRange(all, win, win + SeqGen.WIN_LEN)
        int i = 0
        while (i < SeqGen.WIN_LEN) {
            if (ours[i] == host.window[i]) { i++; continue }
            int j = i
            while (j < SeqGen.WIN_LEN && j < i + 16 && ours[j] != host.window[j]) j++
            diffs << String.format('window+0x%x: ours %s host %s', i, hexBytes(ours, i, j), hexBytes(host.window, i, j))
            i = j
        }
        for (int k = 0; k < win; k++) {
            if (all[k] != 0) { diffs << String.format('ours wrote outside the window at 0x%x', SeqGen.PAGE + k); break }
        }
        if (host.outside) diffs << 'the host wrote outside the window (a generator error)'
        diffs
    }

    /** The report of one mismatching sequence: its text, bytes, our disassembly, inputs and differences. */
    String report(SeqGen.Sequence s, List<String> diffs) {
        def sb = new StringBuilder()
        sb << "sequence #${s.index} (${bits}-bit, seed 0x${Long.toHexString(s.seed)}):\n"
        sb << '  differences: ' << diffs.join('; ') << '\n'
        sb << '  source (GNU as):\n' << s.lines.collect { '    ' + it }.join('\n') << '\n'
        sb << '  bytes: ' << hexBytes(s.code, 0, s.code.length) << '\n'
        sb << '  our disassembly:\n'
        Disassembler.lines(s.code, SeqGen.CODE, bits == 64 ? Mode.BITS64 : Mode.BITS32).each { sb << '    ' << it << '\n' }
        sb << '  inputs: '
        for (int i = 0; i < nreg; i++) sb << NAMES[i] << '=' << Long.toHexString(s.regs[i]) << ' '
        sb << 'flags=' << Long.toHexString(s.flags) << " window fill seed=${Long.toHexString(s.fillSeed)} kind=${s.fillKind}\n"
        sb.toString()
    }

    private static boolean matches(int signal, int r, boolean atEnd) {
        switch (signal) {
            case 0: return r == Step.OK && atEnd
            case SeqHost.SIGFPE: return r == Step.DE
            case SeqHost.SIGTRAP: return r == Step.BP || r == Step.DB
            case SeqHost.SIGILL: return r == Step.UD
            case SeqHost.SIGSEGV: case SeqHost.SIGBUS: return r == Step.PF || r == Step.GP || r == Step.SS
            default: return false
        }
    }

    static String signalName(int sig) {
        switch (sig) {
            case SeqHost.SIGFPE: return 'SIGFPE'
            case SeqHost.SIGTRAP: return 'SIGTRAP'
            case SeqHost.SIGILL: return 'SIGILL'
            case SeqHost.SIGSEGV: return 'SIGSEGV'
            case SeqHost.SIGBUS: return 'SIGBUS'
            default: return 'signal ' + sig
        }
    }

    static String flagNames(long f) {
        List<String> l = []
        if (f & Flags.CF) l << 'CF'
        if (f & Flags.PF) l << 'PF'
        if (f & Flags.AF) l << 'AF'
        if (f & Flags.ZF) l << 'ZF'
        if (f & Flags.SF) l << 'SF'
        if (f & Flags.OF) l << 'OF'
        if (f & Flags.DF) l << 'DF'
        if (f & Flags.TF) l << 'TF'
        if (f & Flags.IF) l << 'IF'
        if (f & Flags.IOPL) l << 'IOPL=' + ((f & Flags.IOPL) >>> 12)
        if (f & Flags.NT) l << 'NT'
        if (f & Flags.AC) l << 'AC'
        if (f & Flags.ID) l << 'ID'
        if (f & ~(Flags.STATUS | Flags.DF | Flags.TF | Flags.IF | Flags.IOPL | Flags.NT | Flags.AC | Flags.ID | 0x2L)) {
            l << String.format('other=%x', f & ~(Flags.STATUS | Flags.DF | Flags.TF | Flags.IF | Flags.IOPL | Flags.NT | Flags.AC | Flags.ID | 0x2L))
        }
        '[' + l.join(' ') + ']'
    }

    static String hexBytes(byte[] b, int from, int to) {
        def sb = new StringBuilder()
        for (int i = from; i < to; i++) sb << String.format('%02x', b[i] & 0xff) << (i + 1 < to ? ' ' : '')
        sb.toString()
    }
}
