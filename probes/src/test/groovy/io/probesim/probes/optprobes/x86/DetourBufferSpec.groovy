package io.probesim.probes.optprobes.x86

import spock.lang.Specification

import java.nio.file.Files

/**
 * The detour buffer's bytes, disassembled by GNU objdump (an independent decoder), are the
 * sequence spec 3.3 documents, written out here by hand: push rsp; pushf; save registers;
 * rsi = rsp; rdi = probe; call the callback; flags into the sp slot; restore; drop the slot;
 * popf; the copied instructions; jmp back to addr + len.
 */
class DetourBufferSpec extends Specification {

    static final long AT = 0xffffffffa0800000L
    static final long CALLBACK = 0xffffffff80f00090L
    static final long RESUME = 0xffffffff81000008L
    /** push %rbp; mov %rsp,%rbp; add $1,%rax: the 8-byte region of the scenarios. */
    static final byte[] COPIED = [0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xc0, 0x01] as byte[]

    static final List<String> DOCUMENTED = [
            'push %rsp', 'pushf',
            'push %rax', 'push %rcx', 'push %rdx', 'push %rbx', 'push %rbp', 'push %rsi', 'push %rdi',
            'push %r8', 'push %r9', 'push %r10', 'push %r11', 'push %r12', 'push %r13', 'push %r14', 'push %r15',
            'mov %rsp,%rsi', 'mov $0x7,%edi', 'call 0xffffffff80f00090',
            'mov 0x78(%rsp),%rax', 'mov %rax,0x80(%rsp)',
            'pop %r15', 'pop %r14', 'pop %r13', 'pop %r12', 'pop %r11', 'pop %r10', 'pop %r9', 'pop %r8',
            'pop %rdi', 'pop %rsi', 'pop %rbp', 'pop %rbx', 'pop %rdx', 'pop %rcx', 'pop %rax',
            'lea 0x8(%rsp),%rsp', 'popf',
            'push %rbp', 'mov %rsp,%rbp', 'add $0x1,%rax',
            'jmp 0xffffffff81000008']

    def "objdump reads the documented sequence out of the assembled buffer"() {
        given:
        def d = DetourBuffer.assemble(AT, 7, CALLBACK, COPIED, RESUME)
        def bin = Files.createTempFile('detour', '.bin')
        Files.write(bin, d.code())

        when:
        def proc = ['objdump', '-D', '-b', 'binary', '-mi386:x86-64', "--adjust-vma=0x${Long.toHexString(AT)}", bin.toString()].execute()
        def text = proc.text
        proc.waitFor()
        def insns = text.readLines()
                .findAll { it ==~ /^\s*[0-9a-f]+:\t.*\t.*/ }
                .collect { it.split('\t')[2].trim().replaceAll(/\s+/, ' ').replaceAll(/ <.*>$/, '') }

        then:
        proc.exitValue() == 0
        insns == DOCUMENTED
        d.code().length <= DetourBuffer.SIZE
        and: 'a hit before the jump is written resumes at the copy: after popf'
        d.copy() == AT + d.code().length - COPIED.length - 5

        cleanup:
        Files.deleteIfExists(bin)
    }
}
