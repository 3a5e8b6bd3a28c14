package io.probesim.probes.optprobes.x86

import io.probesim.probes.kprobes.x86.BoostTable2006Spec

import java.nio.file.Files
import java.nio.file.Path

/**
 * GNU objdump's view of fixtures/kstyle/kstyle.o, the independent reference for can_optimize's
 * expectations: functions with their sizes (`objdump -t`), every instruction with its bytes,
 * mnemonic, printed branch target and whether a relocation patches it (`objdump -d -r`), and
 * the instructions __ex_table names (`objdump -r -j __ex_table`). Nothing here uses our decoder.
 */
class KstyleObjdump {

    static final Path OBJECT = Path.of('..', 'fixtures', 'kstyle', 'kstyle.o').toAbsolutePath().normalize()

    /** One instruction as objdump prints it; `at` is the offset in its section. */
    static class Insn {
        String section
        long at
        List<Integer> bytes = []
        String mnemonic
        String operands
        boolean relocated

        int length() { bytes.size() }

        /** The first opcode byte after a REX prefix (what seed 000's table is indexed by). */
        int firstOpcode() { (bytes[0] & 0xf0) == 0x40 && bytes.size() > 1 ? bytes[1] : bytes[0] }

        boolean isIndirectJump() { (mnemonic == 'jmp' && operands.startsWith('*')) || mnemonic == 'ljmp' }

        /** jmp/Jcc/loop/jcxz with a target inside this section (relocated ones lead elsewhere). */
        boolean isRelativeJump() {
            (mnemonic ==~ /j[a-z]+|loop[a-z]*/) && !operands.startsWith('*') && !relocated
        }

        long target() { Long.parseLong((operands =~ /^([0-9a-f]+)/)[0][1] as String, 16) }
    }

    static class Function {
        String name
        String section
        long value
        long size
    }

    final Map<String, List<Insn>> bySection = [:]
    final List<Function> functions = []
    /** Section-relative offsets in .text of the instructions __ex_table lists. */
    final Set<Long> extable = new TreeSet<>()
    final Set<Integer> notBoostable = BoostTable2006Spec.parseSeedList()

    KstyleObjdump() {
        assert Files.isRegularFile(OBJECT): "fixture $OBJECT is missing"
        parseDisassembly(run('objdump', '-d', '-r', OBJECT.toString()))
        run('objdump', '-t', OBJECT.toString()).eachLine { line ->
            def m = line =~ /^([0-9a-f]{16})\s+[lg]\s+F\s+(\S+)\s+([0-9a-f]+)\s+(\S+)$/
            if (m.find()) functions << new Function(name: m.group(4), section: m.group(2),
                    value: Long.parseLong(m.group(1), 16), size: Long.parseLong(m.group(3), 16))
        }
        // __ex_table entries are 12 bytes: insn (PC32 reloc at +0), fixup (+4), type (+8)
        run('objdump', '-r', '-j', '__ex_table', OBJECT.toString()).eachLine { line ->
            def m = line =~ /^([0-9a-f]{16})\s+R_X86_64_PC32\s+\.text\+0x([0-9a-f]+)$/
            if (m.find() && Long.parseLong(m.group(1), 16) % 12 == 0) extable << Long.parseLong(m.group(2), 16)
        }
        assert !functions.isEmpty() && !extable.isEmpty()
    }

    private void parseDisassembly(String text) {
        String section = null
        Insn last = null
        text.eachLine { line ->
            def sec = line =~ /^Disassembly of section (\S+):$/
            if (sec.find()) { section = sec.group(1); bySection[section] = []; last = null; return }
            if (section == null) return
            if (line ==~ /^\s+[0-9a-f]+: R_X86_64_\S+\s+.*$/) { last.relocated = true; return }
            def m = line =~ /^\s+([0-9a-f]+):\t([0-9a-f ]+?)\s*(?:\t(.*))?$/
            if (!m.find()) return
            List<Integer> bytes = m.group(2).trim().split(' ').collect { Integer.parseInt(it, 16) }
            if (m.group(3) == null) { last.bytes.addAll(bytes); return }   // continuation of a long instruction
            def parts = m.group(3).trim().split(/\s+/, 2)
            last = new Insn(section: section, at: Long.parseLong(m.group(1), 16), bytes: bytes,
                    mnemonic: parts[0], operands: parts.length > 1 ? parts[1] : '')
            bySection[section] << last
        }
    }

    List<Insn> instructionsOf(Function f) {
        bySection[f.section].findAll { it.at >= f.value && it.at < f.value + f.size }
    }

    /**
     * The reasons can_optimize must refuse a probe at `offset` into `f` (spec 3.1, 3.2), derived
     * from objdump's listing; `following` is the code after the function as laid out in memory
     * (for the region copy when the boundary check is off). Empty: allowed.
     */
    Set<String> reasons(Function f, long offset, List<Insn> following) {
        Set<String> out = new TreeSet<>()
        long addr = f.value + offset
        if (f.size - offset < 5) out << 'boundary'
        def insns = instructionsOf(f)
        if (insns.any { it.isIndirectJump() }) out << 'indirect'
        if (insns.any { it.isRelativeJump() && it.target() > addr && it.target() <= addr + 4 }) out << 'target'
        if (f.section == '.text' && insns.any { it.at in extable }) out << 'extable'
        def region = region(f, offset, following)
        if (region == null || region.any { it.mnemonic == 'int3' || it.operands.contains('(%rip)') || it.firstOpcode() in notBoostable }) out << 'copy'
        out
    }

    /** Whole instructions from the probe covering 5 bytes, or null when the listing ends first. */
    List<Insn> region(Function f, long offset, List<Insn> following) {
        def all = bySection[f.section].findAll { it.at >= f.value + offset } + following
        List<Insn> out = []
        int len = 0
        for (Insn i : all) {
            if (len >= 5) break
            out << i
            len += i.length()
        }
        len >= 5 ? out : null
    }

    static String run(String... cmd) {
        Process p
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start()
        } catch (IOException e) {
            throw new AssertionError("GNU binutils (${cmd[0]}) are needed for this check: ${e.message}. Install binutils; this test is never skipped.", e)
        }
        String text = p.inputStream.text
        assert p.waitFor() == 0: "${cmd.join(' ')} failed: $text"
        text
    }
}
