package io.probesim.x86.asm

import io.probesim.x86.decode.Corpus
import io.probesim.x86.decode.GnuTools
import io.probesim.x86.decode.Mode
import spock.lang.Specification

/** Our bytes against GNU as's bytes for the same source. */
class AssemblerSpec extends Specification {

    /** Lines outside the assembler's subset (system registers, far pointers, implicit-operand forms). */
    static final List<String> OUTSIDE = ['%cr', '%db', 'ljmp', 'lcall', 'lgdt', 'lidt', 'invlpg', 'monitor', 'mwait',
                                         'lret', 'ltr', 'sldt', 'insb (%dx)', 'ud1', 'enter', 'xchg %rax,%r9', 'lea (%r']

    static Map<String, Object> compareLines(List<String> lines, Mode mode) {
        def src = new StringBuilder()
        lines.eachWithIndex { l, n -> src << "L${n}: ${l}\n" }
        src << "Lend:\n"
        def obj = GnuTools.assemble(src.toString(), mode, 'asm' + mode)
        byte[] text = GnuTools.textBytes(obj)
        def syms = GnuTools.symbols(obj)
        int same = 0
        List<String> bad = [], unsupported = []
        lines.eachWithIndex { l, n ->
            long a = syms["L${n}"], b = syms["L${n + 1}"] ?: syms['Lend']
            byte[] want = Arrays.copyOfRange(text, (int) a, (int) b)
            try {
                byte[] got = Assembler.assemble(l, a, mode).code()
                if (Arrays.equals(got, want)) same++
                else bad << "${l}: as ${HexFormat.of().formatHex(want)} ours ${HexFormat.of().formatHex(got)}"
            } catch (AsmException e) {
                unsupported << "${l}: ${e.hint()}"
            }
        }
        [same: same, bad: bad, unsupported: unsupported]
    }

    def "assembles the 64-bit subset corpus byte for byte as GNU as"() {
        given:
        def lines = Corpus.lines64().findAll { l -> !OUTSIDE.any { l.contains(it) } }

        when:
        def r = compareLines(lines, Mode.BITS64)
        println "asm corpus 64: ${r.same}/${lines.size()} identical to GNU as, ${r.unsupported.size()} refused"
        r.bad.take(30).each { println "DIFF $it" }
        r.unsupported.take(30).each { println "REFUSED $it" }

        then:
        lines.size() > 900
        r.bad.isEmpty()
        r.unsupported.isEmpty()
    }

    def "assembles the 32-bit corpus as GNU as --32"() {
        given:
        def lines = Corpus.lines32().findAll { l -> !OUTSIDE.any { l.contains(it) } && !l.contains('(%b') && !l.startsWith('l') && !l.startsWith('bound') }

        when:
        def r = compareLines(lines, Mode.BITS32)
        r.bad.take(30).each { println "DIFF $it" }
        r.unsupported.take(30).each { println "REFUSED $it" }

        then:
        r.bad.isEmpty()
        r.unsupported.isEmpty()
    }

    def "a program with labels, forward and backward branches and data matches GNU as, with label sizes"() {
        given:
        def src = Corpus.branches().join('\n') + '''
            f:  push %rbp          # a comment
                mov %rsp,%rbp      # another
                lea msg(%rip),%rdi
                mov $msg,%eax
                cmpq $0x0,msg(%rip)
                je 1f+0
                pop %rbp
                ret
            msg: .byte 1,2,0x3
                .quad 0x1122334455667788
                .long msg
            '''.stripIndent().replace('1f+0', 'f')

        when:
        def obj = GnuTools.link(GnuTools.assemble(src, Mode.BITS64, 'prog'), Mode.BITS64)
        def want = GnuTools.textBytes(obj)
        def syms = GnuTools.symbols(obj)
        def ours = Assembler.assemble(src, 0, Mode.BITS64)

        then:
        HexFormat.of().formatHex(ours.code()) == HexFormat.of().formatHex(want)
        ours.symbols()*.name == ['t0', 't1', 't2', 'f', 'msg']
        ours.symbols().every { it.address() == syms[it.name()] }
        ours.symbol('f').size() == syms['msg'] - syms['f']
        ours.symbol('msg').size() == 3 + 8 + 4
    }

    def "a label may share its line with an instruction, and the origin is honoured"() {
        when:
        def a = Assembler.assemble('start: jmp start\nnext: call start\n', 0x401000, Mode.BITS64)

        then:
        HexFormat.of().formatHex(a.code()) == 'ebfee8f9ffffff'
        a.symbols() == [new Symbol('start', 0x401000, 2), new Symbol('next', 0x401002, 5)]
    }

    def "// comments, blank lines and .quad are accepted"() {
        expect:
        HexFormat.of().formatHex(Assembler.assemble('// head\n\n  ret // tail\nq: .quad q\n', 0x10, Mode.BITS64).code()) ==
                'c3' + '1100000000000000'
    }

    def "rel8 grows to rel32 when the target is too far, like GNU as"() {
        when:
        def src = 'jmp far\n' + ('nop\n' * 200) + 'far: ret\n'
        def a = Assembler.assemble(src, 0, Mode.BITS64)

        then:
        a.code()[0] == (byte) 0xe9
        a.symbol('far').address() == 205
    }

    def "errors point at the line and column with a hint: #source"() {
        when:
        Assembler.assemble(source, 0, Mode.BITS64)

        then:
        AsmException e = thrown()
        e.line() == line
        e.column() == column
        e.hint() == hint

        where:
        source                         || line | column | hint
        'nop\nmvo %rax,%rbx'           || 2    | 1      | "unknown mnemonic 'mvo': did you mean 'mov'?"
        'mov %rxx,%rax'                || 1    | 5      | "unknown register '%rxx'"
        'nop\n  jmp foo'               || 2    | 7      | "undefined label 'foo'"
        'x: nop\nx: nop'               || 2    | 1      | "label 'x' is already defined on line 1"
        'inc (%rax)'                   || 1    | 1      | "operand size is ambiguous for 'inc': add a size suffix (b, w, l or q)"
        'mov %ah,%r8b'                 || 1    | 1      | "%ah/%bh/%ch/%dh cannot be used with a REX prefix"
        'mov 4(%rax,%rbx,3),%eax'      || 1    | 17     | 'scale must be 1, 2, 4 or 8'
        'qqqqq'                        || 1    | 1      | "unknown mnemonic 'qqqqq'"
        '.align 8'                     || 1    | 1      | "unknown directive '.align' (supported: .byte .word .long .quad)"
    }
}
