package io.probesim.x86.elf

import io.probesim.x86.TestSize
import io.probesim.x86.decode.GnuTools
import io.probesim.x86.decode.Mode
import io.probesim.x86.kernel.ExceptionTable
import io.probesim.x86.kernel.KernelPanic
import io.probesim.x86.kernel.Layout
import io.probesim.x86.mem.Memory
import spock.lang.Specification
import spock.lang.Unroll

import java.nio.file.Files
import java.nio.file.Path

/**
 * The loader on the committed kernel-style objects (fixtures/kstyle, x86-64 and i386), checked
 * against GNU binutils (readelf, objdump, ld at the same placement) and against the host CPU
 * running the same object natively.
 */
class RelocatableObjectSpec extends Specification {

    static Path obj(String file) { ElfTools.fixture("kstyle/$file") }

    static LoadedObject loadBare(String file, Memory mem, long base) {
        RelocatableObject.read(Files.readAllBytes(obj(file)), file).loadAt(mem, base, { OptionalLong.empty() })
    }

    @Unroll
    def "#file: every function and object symbol has readelf's size and lies at its section's address plus readelf's value"() {
        given:
        def loaded = loadBare(file, new Memory(), base)
        def names = ElfTools.readelfSectionNames(obj(file))
        def expected = ElfTools.readelfSymbols(obj(file)).findAll { it.type in ['FUNC', 'OBJECT'] && it.ndx ==~ /\d+/ }

        when:
        List<String> wrong = []
        expected.each { s ->
            def ours = loaded.symbol(s.name).orElse(null)
            def section = loaded.section(names[s.ndx as int]).orElse(null)
            if (ours == null || section == null) { wrong << "${s.name}: missing (section ${names[s.ndx as int]})"; return }
            if (ours.size() != s.size) wrong << "${s.name}: size ${ours.size()} != readelf ${s.size}"
            if (ours.address() != section.address() + s.value) wrong << "${s.name}: at 0x${Long.toHexString(ours.address())}, expected section + 0x${Long.toHexString(s.value)}"
            if (ours.kind().name() != (s.type == 'FUNC' ? 'FUNC' : 'OBJECT')) wrong << "${s.name}: kind ${ours.kind()} != ${s.type}"
            if (ours.global() != (s.bind != 'LOCAL')) wrong << "${s.name}: global ${ours.global()} != ${s.bind}"
        }

        then:
        expected.size() == symbols
        wrong.isEmpty()

        where:
        file         | base                   | symbols
        'kstyle.o'   | Layout.MODULE_LOAD     | 19
        'kstyle32.o' | Layout.MODULE_LOAD_32  | 19
    }

    @Unroll
    def "#file: allocatable sections keep objdump's sizes and alignments, do not overlap, and get permissions from their flags"() {
        given:
        def loaded = loadBare(file, new Memory(), base)
        def sections = ElfTools.objdumpSections(obj(file)).findAll { 'ALLOC' in it.flags }

        when:
        List<String> wrong = []
        sections.each { s ->
            def ours = loaded.section(s.name).orElse(null)
            if (ours == null) { wrong << "${s.name}: not placed"; return }
            if (ours.size() != s.size) wrong << "${s.name}: size ${ours.size()} != ${s.size}"
            if (ours.address() % s.align != 0) wrong << "${s.name}: 0x${Long.toHexString(ours.address())} not aligned to ${s.align}"
            int perms = 'CODE' in s.flags ? (Memory.R | Memory.X) : 'READONLY' in s.flags ? Memory.R : (Memory.R | Memory.W)
            if (ours.perms() != perms) wrong << "${s.name}: perms ${ours.perms()} != ${perms} for ${s.flags}"
        }
        def sorted = loaded.sections().findAll { it.size() > 0 }.sort { it.address() }
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted[i].address() < sorted[i - 1].end()) wrong << "${sorted[i].name()} overlaps ${sorted[i - 1].name()}"
        }

        then:
        loaded.sections()*.name() as Set == sections*.name as Set
        wrong.isEmpty()
        loaded.start() == base
        loaded.end() > base

        where:
        file         | base
        'kstyle.o'   | Layout.MODULE_LOAD
        'kstyle32.o' | Layout.MODULE_LOAD_32
    }

    @Unroll
    def "#file: the relocated bytes and symbol addresses are what GNU ld produces for the same placement"() {
        given:
        Memory mem = new Memory()
        def loaded = loadBare(file, mem, base)
        Map<String, Long> placement = new LinkedHashMap<>()
        loaded.sections().each { placement[it.name()] = it.address() }
        Path linked = ElfTools.linkAt(obj(file), mode, placement, file.replace('.', '_'))
        def withBytes = ElfTools.objdumpSections(obj(file)).findAll { 'ALLOC' in it.flags && 'CONTENTS' in it.flags && it.size > 0 }*.name

        when:
        List<String> wrong = []
        withBytes.each { name ->
            def s = loaded.section(name).get()
            byte[] ld = ElfTools.sectionBytes(linked, name)
            byte[] ours = mem.read(s.address(), (int) s.size())
            if (ld != ours) {
                int at = (0..<Math.min(ld.length, ours.length)).find { ld[it] != ours[it] } ?: Math.min(ld.length, ours.length)
                wrong << "${name}: first difference at +0x${Integer.toHexString(at)} (ld ${ld.length} bytes, ours ${ours.length})"
            }
        }
        def ldSyms = ElfTools.readelfSymbols(linked).findAll { it.type in ['FUNC', 'OBJECT'] }
        ldSyms.each { s ->
            long ours = loaded.address(s.name)
            if (ours != s.value) wrong << "${s.name}: ours 0x${Long.toHexString(ours)}, ld 0x${Long.toHexString(s.value)}"
        }

        then:
        withBytes.containsAll(['.text', '.rodata', '.fixup', '__ex_table'])
        ldSyms.size() == 19
        wrong.isEmpty()

        where:
        file         | mode        | base
        'kstyle.o'   | Mode.BITS64 | Layout.MODULE_LOAD
        'kstyle32.o' | Mode.BITS32 | Layout.MODULE_LOAD_32
    }

    @Unroll
    def "#file: the exception table entry points at get_user_long's user load and the .fixup code, as objdump disassembles the ld-linked object"() {
        given:
        def loaded = loadBare(file, new Memory(), base)
        Map<String, Long> placement = new LinkedHashMap<>()
        loaded.sections().each { placement[it.name()] = it.address() }
        Path linked = ElfTools.linkAt(obj(file), mode, placement, 'ex_' + file.replace('.', '_'))
        def lines = GnuTools.run(['objdump', '-d', '-w', linked.toString()]).readLines()
        int fn = lines.findIndexOf { it ==~ /^[0-9a-f]+ <get_user_long>:$/ }
        String load = lines.drop(fn + 1).find { it =~ /\tmov\s+\(%\w+\),%\w+/ }
        int fx = lines.findIndexOf { it.contains('section .fixup') }
        String firstFixup = lines.drop(fx + 1).find { it =~ /^\s*[0-9a-f]+:\t/ }

        expect:
        fn >= 0 && load != null && fx >= 0 && firstFixup != null
        loaded.exceptionTable() == [new ExceptionTable.Entry(addressOf(load), addressOf(firstFixup), 0)]

        where:
        file         | mode        | base
        'kstyle.o'   | Mode.BITS64 | Layout.MODULE_LOAD
        'kstyle32.o' | Mode.BITS32 | Layout.MODULE_LOAD_32
    }

    static long addressOf(String objdumpLine) {
        Long.parseUnsignedLong(objdumpLine.trim().takeWhile { it != ':' }, 16)
    }

    @Unroll
    def "#file: #n calls of the loaded functions return what the host CPU returns running the same object"() {
        given:
        def cases = KstyleHarness.cases(mode, 20061121L, n)
        def host = KstyleHarness.host(KstyleHarness.build(mode, obj(file), cases), cases.size())
        def bed = new KernelBed(mode)
        bed.load(obj(file))
        bed.boot()

        when:
        def ours = KstyleHarness.emulated(bed, cases)
        def diffs = (0..<cases.size()).findAll { ours[it] != host[it] }
                .collect { "case ${it} ${cases[it] as List}: ours '${ours[it]}', host '${host[it]}'" }

        then:
        diffs.isEmpty() || diffs.take(5).join('\n') == "${diffs.size()} differences"
        bed.violations.first().isEmpty()
        cases*.getAt(0).toSet().size() == 10                       // every function was called

        where:
        file         | mode        | n
        'kstyle.o'   | Mode.BITS64 | TestSize.pick(400, 20000)
        'kstyle32.o' | Mode.BITS32 | TestSize.pick(400, 20000)
    }

    @Unroll
    def "#file: get_user_long on an unmapped user address returns -EFAULT through the exception table, without an oops"() {
        given:
        def bed = new KernelBed(mode)
        def loaded = bed.load(obj(file))
        bed.boot()
        long value = bed.scratch + 0x40
        bed.putWord(value, 0x1234)

        when:
        long r = bed.call('get_user_long', value, 0x1000)
        def fixups = bed.sim.log().events().findAll { it.kind() == 'fixup' }

        then:
        r == bed.mask(-14)                                          // -EFAULT
        bed.getWord(value) == 0                                     // the fixup zeroes the value (xor)
        bed.violations.first().isEmpty()
        fixups.size() == 1
        fixups[0].field('ip') == '0x' + Long.toHexString(loaded.exceptionTable()[0].insn())
        fixups[0].field('fault') == '0x1000'

        where:
        file         | mode
        'kstyle.o'   | Mode.BITS64
        'kstyle32.o' | Mode.BITS32
    }

    def "without its exception table entry the same fault is a kernel oops naming the instruction"() {
        given:
        def bed = new KernelBed(Mode.BITS64)
        def loaded = RelocatableObject.read(Files.readAllBytes(obj('kstyle.o')), 'kstyle.o')
                .loadAt(bed.kernel.memory(), Layout.MODULE_LOAD, { OptionalLong.empty() })
        loaded.installInto(bed.kernel.symbols(), new ExceptionTable())
        bed.boot()

        when:
        bed.call('get_user_long', bed.scratch, 0x1000)

        then:
        thrown(KernelPanic)
        def v = bed.violations.first().get()
        v.invariant() == 'no-oops'
        v.message().contains('page fault at 0x1000 (read, not mapped) in kernel mode')
        v.message().contains('<get_user_long+0x2>')
    }

    @Unroll
    def "#file: percpu_inc increments the word at the segment base plus percpu_counter_offset"() {
        given:
        def bed = new KernelBed(mode)
        bed.load(obj(file))
        bed.boot()
        long base = bed.scratch + 0x1000
        bed.putWord(bed.kernel.symbols().require('percpu_counter_offset').address(), 0x18)
        bed.putWord(base + 0x18, 41)
        if (mode == Mode.BITS64) bed.kernel.cpu(0).cpu().gsBase = base else bed.kernel.cpu(0).cpu().fsBase = base

        when:
        bed.call('percpu_inc')

        then:
        bed.getWord(base + 0x18) == 42

        where:
        file         | mode
        'kstyle.o'   | Mode.BITS64
        'kstyle32.o' | Mode.BITS32
    }
}
