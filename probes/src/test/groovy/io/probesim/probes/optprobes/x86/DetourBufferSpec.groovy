package io.probesim.probes.optprobes.x86

import spock.lang.Specification


/**
 * The detour buffer's bytes, disassembled by GNU objdump (an independent decoder), are the
 * sequence spec 3.3 documents, written out here by hand: push rsp; pushf; save registers;
 * rsi = rsp; rdi = probe; call the callback; flags into the sp slot; restore; drop the slot;
 * popf; the copied instructions; jmp back to addr + len. Buffers are a template with the id,
 * the call and the jump back patched in, so several ids, places, callbacks and regions are read.
 */
class DetourBufferSpec extends Specification {

    static final long AT = 0xffffffffa0800000L
    static final long CALLBACK = 0xffffffff80f00090L
    static final long RESUME = 0xffffffff81000008L
    /** push %rbp; mov %rsp,%rbp; add $1,%rax: the 8-byte region of the scenarios. */
    static final byte[] COPIED = [0x55, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xc0, 0x01] as byte[]
    /** mov %rdi,%rax; nop; nop: a 5-byte region (48 89 f8 90 90). */
    static final byte[] COPIED5 = [0x48, 0x89, 0xf8, 0x90, 0x90] as byte[]

    static List<String> documented(String id, String callback, List<String> copied, String resume) {
        ['push %rsp', 'pushf',
         'push %rax', 'push %rcx', 'push %rdx', 'push %rbx', 'push %rbp', 'push %rsi', 'push %rdi',
         'push %r8', 'push %r9', 'push %r10', 'push %r11', 'push %r12', 'push %r13', 'push %r14', 'push %r15',
         'mov %rsp,%rsi', "mov \$${id},%edi".toString(), "call ${callback}".toString(),
         'mov 0x78(%rsp),%rax', 'mov %rax,0x80(%rsp)',
         'pop %r15', 'pop %r14', 'pop %r13', 'pop %r12', 'pop %r11', 'pop %r10', 'pop %r9', 'pop %r8',
         'pop %rdi', 'pop %rsi', 'pop %rbp', 'pop %rbx', 'pop %rdx', 'pop %rcx', 'pop %rax',
         'lea 0x8(%rsp),%rsp', 'popf'] + copied + ["jmp ${resume}".toString()]
    }

    def "objdump reads the documented sequence out of the buffer for probe #id at #at"() {
        given:
        def d = DetourBuffer.assemble(at, id, callback, copied, resume)

        when:
        def insns = BinaryObjdump.instructions(d.code(), at, 'i386:x86-64')

        then:
        insns == documented(idText, callbackText, copiedText, resumeText)
        d.code().length <= DetourBuffer.SIZE
        and: 'a hit before the jump is written resumes at the copy: after popf'
        d.copy() == at + d.code().length - copied.length - 5

        where:
        at                     | id        | callback               | copied  | resume                 || idText     | callbackText         | copiedText                                      | resumeText
        AT                     | 7         | CALLBACK               | COPIED  | RESUME                 || '0x7'      | '0xffffffff80f00090' | ['push %rbp', 'mov %rsp,%rbp', 'add $0x1,%rax'] | '0xffffffff81000008'
        AT + 128               | 0         | CALLBACK               | COPIED5 | 0xffffffff81234565L    || '0x0'      | '0xffffffff80f00090' | ['mov %rdi,%rax', 'nop', 'nop']                 | '0xffffffff81234565'
        AT + 0x10000           | 123456    | 0xffffffff80f00010L    | COPIED  | 0xffffffff81fffff0L    || '0x1e240'  | '0xffffffff80f00010' | ['push %rbp', 'mov %rsp,%rbp', 'add $0x1,%rax'] | '0xffffffff81fffff0'
        0xffffffffa1000000L    | 0x7fffffff| 0xffffffffa1000800L    | COPIED5 | 0xffffffffa0ff0000L    || '0x7fffffff' | '0xffffffffa1000800' | ['mov %rdi,%rax', 'nop', 'nop']               | '0xffffffffa0ff0000'
    }

    def "a callback out of rel32 reach is refused, not wrapped"() {
        when:
        DetourBuffer.assemble(AT, 1, 0x100000000L, COPIED, RESUME)       // 5.5 GiB above AT

        then:
        def e = thrown(IllegalStateException)
        e.message.contains('out of rel32 reach')
    }
}
