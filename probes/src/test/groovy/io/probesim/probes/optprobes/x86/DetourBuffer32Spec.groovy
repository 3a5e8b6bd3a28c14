package io.probesim.probes.optprobes.x86

import io.probesim.x86.decode.Mode
import spock.lang.Specification


/**
 * The i386 detour buffer's bytes, disassembled by GNU objdump (-m i386, an independent
 * decoder), are the steps of the 2.6.34-3.x i386 optprobe template, written out here by hand:
 * pushf (regs->flags); reserve cs, ip, orig_ax, gs and the segment words; push eax, ebp, edi,
 * esi, edx, ecx, ebx (so ebx is at the base, as in the i386 pt_regs); edx = esp (the regs,
 * second regparm argument); eax = the probe (first); call; pop in reverse; drop the reserved
 * words; popf; the copied instructions; jmp back to addr + len.
 */
class DetourBuffer32Spec extends Specification {

    static final long AT = 0xf8800000L           // 8 MiB into the 32-bit module space
    static final long CALLBACK = 0xc0f00090L     // native text of a 32-bit kernel
    /** push %ebp; mov %esp,%ebp; sub $0x10,%esp: a 6-byte region (55 89 e5 83 ec 10). */
    static final byte[] COPIED = [0x55, 0x89, 0xe5, 0x83, 0xec, 0x10] as byte[]
    /** inc %eax; inc %eax; dec %edx; add %edx,%eax: 40 40 4a 01 d0 (REX prefixes on x86-64). */
    static final byte[] INCDEC = [0x40, 0x40, 0x4a, 0x01, 0xd0] as byte[]

    static List<String> documented(String id, String callback, List<String> copied, String resume) {
        ['pushf', 'sub $0x1c,%esp',
         'push %eax', 'push %ebp', 'push %edi', 'push %esi', 'push %edx', 'push %ecx', 'push %ebx',
         'mov %esp,%edx', "mov \$${id},%eax".toString(), "call ${callback}".toString(),
         'pop %ebx', 'pop %ecx', 'pop %edx', 'pop %esi', 'pop %edi', 'pop %ebp', 'pop %eax',
         'add $0x1c,%esp', 'popf'] + copied + ["jmp ${resume}".toString()]
    }

    def "objdump -m i386 reads the documented sequence out of the buffer for probe #id at #at"() {
        given:
        def d = DetourBuffer.assemble(Mode.BITS32, at, id, callback, copied, resume)

        when:
        def insns = BinaryObjdump.instructions(d.code(), at, 'i386')

        then:
        insns == documented(idText, callbackText, copiedText, resumeText)
        d.code().length <= DetourBuffer.SIZE
        and: 'a hit before the jump is written resumes at the copy: after popf'
        d.copy() == at + d.code().length - copied.length - 5

        where:
        at          | id     | callback    | copied | resume       || idText    | callbackText | copiedText                                        | resumeText
        AT          | 7      | CALLBACK    | COPIED | 0xc1000006L  || '0x7'     | '0xc0f00090' | ['push %ebp', 'mov %esp,%ebp', 'sub $0x10,%esp'] | '0xc1000006'
        AT + 128    | 123456 | 0xc0f00010L | INCDEC | 0xc1234565L  || '0x1e240' | '0xc0f00010' | ['inc %eax', 'inc %eax', 'dec %edx', 'add %edx,%eax'] | '0xc1234565'
    }

    def "the i386 pt_regs image: ebx at the base, eax at word 6, flags at 14, sp is word 15's address (no sp field)"() {
        // i386 struct pt_regs: bx cx dx si di bp ax ds es fs gs orig_ax ip cs flags sp ss; gpr
        // numbering ax cx dx bx sp bp si di
        expect:
        DetourBuffer.LAYOUT_32.gprSlots() as List == [6, 1, 2, 0, 15, 5, 3, 4]
        DetourBuffer.LAYOUT_32.flagsSlot() == 14
        DetourBuffer.LAYOUT_32.spSlot() == 15
        DetourBuffer.LAYOUT_32.spIsSlotAddress()
    }
}
