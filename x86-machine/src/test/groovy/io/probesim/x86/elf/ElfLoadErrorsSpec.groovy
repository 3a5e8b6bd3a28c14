package io.probesim.x86.elf

import io.probesim.x86.decode.GnuTools
import io.probesim.x86.decode.Mode
import io.probesim.x86.kernel.Layout
import io.probesim.x86.kernel.Natives
import io.probesim.x86.mem.Memory
import spock.lang.Specification
import spock.lang.Unroll

import java.nio.file.Files
import java.nio.file.Path

/** What the loaders refuse, and how they say it; imports resolved against the kernel. Objects assembled by GNU as. */
class ElfLoadErrorsSpec extends Specification {

    static Path assemble(String source, Mode mode, List<String> extra = []) {
        Path dir = Files.createTempDirectory('probesim-as')
        Path s = dir.resolve('t.s'), o = dir.resolve('t.o')
        Files.writeString(s, source + '\n')
        GnuTools.run(['as', mode == Mode.BITS64 ? '--64' : '--32'] + extra + ['-o', o.toString(), s.toString()])
        o
    }

    @Unroll
    def "a #name relocation is refused with its type, section and offset as readelf lists them"() {
        given:
        Path o = assemble(source, mode, extra)
        def rel = ElfTools.readelfRelocations(o).values().flatten().collate(2).find { it[1] == type }
        assert rel != null: "as did not emit $type"

        when:
        RelocatableObject.read(Files.readAllBytes(o), 't.o').loadAt(new Memory(), base, { OptionalLong.of(0) })   // _GLOBAL_OFFSET_TABLE_ too

        then:
        def e = thrown(ElfLoadException)
        e.message.contains("t.o: .text+0x${Long.toHexString(rel[0] as long)} against foo")
        e.message.contains("relocation ${type} is not supported")

        where:
        name       | mode        | type                | base                  | extra                        | source
        'GOTPCREL' | Mode.BITS64 | 'R_X86_64_GOTPCREL' | Layout.MODULE_LOAD    | ['-mrelax-relocations=no']   | '.text\nnop\nmovq foo@GOTPCREL(%rip), %rax\nret\n.data\n.globl foo\nfoo: .quad 1'
        'GOTOFF'   | Mode.BITS32 | 'R_386_GOTOFF'      | Layout.MODULE_LOAD_32 | []                           | '.text\nnop\nmovl foo@GOTOFF(%ebx), %eax\nret\n.data\n.globl foo\nfoo: .long 1'
    }

    def "a GOT reference is named as such"() {
        given:
        Path o = assemble('.text\nmovq foo@GOTPCREL(%rip), %rax\n.data\nfoo: .quad 0', Mode.BITS64, ['-mrelax-relocations=no'])

        when:
        RelocatableObject.read(Files.readAllBytes(o), 'pic.o').loadAt(new Memory(), Layout.MODULE_LOAD, { OptionalLong.empty() })

        then:
        def e = thrown(ElfLoadException)
        e.message == 'pic.o: undefined symbol _GLOBAL_OFFSET_TABLE_ (not defined by the object nor known to the kernel); the object uses a GOT: build it without -fpic/-fPIC'
    }

    def "an undefined symbol the kernel does not know is named"() {
        given:
        Path o = assemble('.text\ncall printk\nret', Mode.BITS64)

        when:
        ModuleLoader.load(new KernelBed(Mode.BITS64).kernel, Files.readAllBytes(o), 'uses-printk.o')

        then:
        def e = thrown(ElfLoadException)
        e.message == 'uses-printk.o: undefined symbol printk (not defined by the object nor known to the kernel)'
    }

    def "an import of an exported kernel routine is linked to it, as GNU ld links it with the same address"() {
        given:
        Path o = assemble('.text\n.globl worker\nworker: call cond_resched\njmp worker', Mode.BITS64)
        def bed = new KernelBed(Mode.BITS64)
        def loaded = ModuleLoader.load(bed.kernel, Files.readAllBytes(o), 'worker.o')
        long text = loaded.section('.text').get().address()
        Path linked = ElfTools.linkAt(o, Mode.BITS64, ['.text': text], 'worker', [cond_resched: Natives.address('cond_resched')])

        expect:
        bed.kernel.memory().read(text, 7) == ElfTools.sectionBytes(linked, '.text')
        bed.kernel.symbols().require('worker').address() == text
        bed.kernel.symbols().isText(text)
    }

    def "an object of the other width is refused by the kernel"() {
        when:
        ModuleLoader.load(new KernelBed(Mode.BITS64).kernel, Files.readAllBytes(ElfTools.fixture('kstyle/kstyle32.o')), 'kstyle32.o')

        then:
        def e = thrown(ElfLoadException)
        e.message == 'kstyle32.o: a 32-bit object cannot be loaded into a 64-bit kernel'
    }

    @Unroll
    def "#what is refused: #message"() {
        when:
        if (asObject) RelocatableObject.read(bytes, 'f') else ExecutableLoader.mode(bytes, 'f')

        then:
        def e = thrown(ElfLoadException)
        e.message == message

        where:
        what                          | asObject | bytes                                                                    | message
        'text'                        | true     | 'hello, world'.bytes                                                     | 'f: not an ELF file'
        'an executable as an object'  | true     | Files.readAllBytes(ElfTools.fixture('seed004/test-loop-x86_64'))          | 'f: an executable (ET_EXEC), expected a relocatable object (ET_REL)'
        'an object as an executable'  | false    | Files.readAllBytes(ElfTools.fixture('kstyle/kstyle.o'))                   | 'f: a relocatable object (ET_REL), expected an executable (ET_EXEC)'
        'an ARM64 executable header'  | false    | header(2, 183, 2)                                                        | 'f: ELF for machine 183 (64-bit), not x86-64 or i386'
        'a PIE'                       | false    | header(2, 62, 3)                                                         | 'f: a shared object or PIE (ET_DYN), expected an executable (ET_EXEC) (link static and without PIE: -static -no-pie)'
    }

    /** A 64-byte ELF header with the given class, machine and type (the loader's first checks read only these). */
    static byte[] header(int elfClass, int machine, int type) {
        byte[] b = new byte[64]
        b[0] = 0x7f; b[1] = (byte) 'E'; b[2] = (byte) 'L'; b[3] = (byte) 'F'; b[4] = (byte) elfClass; b[5] = 1; b[6] = 1
        b[16] = (byte) type; b[18] = (byte) machine
        b
    }
}
