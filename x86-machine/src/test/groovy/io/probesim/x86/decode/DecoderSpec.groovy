package io.probesim.x86.decode

import spock.lang.Specification

import static io.probesim.x86.decode.Operand.*

/** Operand decoding of the executed subset, checked against the Intel SDM encodings written out by hand. */
class DecoderSpec extends Specification {

    static Instruction d(String hex, long at = 0x1000, Mode mode = Mode.BITS64) {
        Decoder.decode(HexFormat.of().parseHex(hex.replace(' ', '')), 0, at, mode)
    }

    def "mov %rsp,%rbp is 48 89 e5: destination first"() {
        when:
        def i = d('48 89 e5')

        then:
        i.mnemonic() == Mnemonic.MOV
        i.opSize() == 8
        i.operands() as List == [new Reg(5, 8, false), new Reg(4, 8, false)]
        i.map() == 0 && i.opcode() == 0x89 && i.modrm() == 0xe5
        i.has(Prefixes.REX_W)
        i.length() == 3
        i.flow() == FlowKind.NONE
    }

    def "memory operands: base, index, scale, displacement, segment"() {
        expect:
        d('8b 44 8b f8').op(1) == new Mem(3, 1, 4, -8, 4, false, -1)          // -0x8(%rbx,%rcx,4)
        d('8b 04 25 00 10 00 00').op(1) == new Mem(-1, -1, 1, 0x1000, 4, false, -1)   // absolute, SIB no base
        d('64 48 8b 04 25 28 00 00 00').op(1) == new Mem(-1, -1, 1, 0x28, 8, false, 4)   // %fs:0x28
        d('41 8b 45 00').op(1) == new Mem(13, -1, 1, 0, 4, false, -1)          // 0x0(%r13)
        d('42 8b 04 25 00 10 00 00').op(1) == new Mem(-1, 12, 1, 0x1000, 4, false, -1)   // REX.X: index 100 is %r12
        d('4b 8b 04 f4').op(1) == new Mem(12, 14, 8, 0, 8, false, -1)          // (%r12,%r14,8)
    }

    def "rip-relative memory keeps the raw displacement and flags the instruction"() {
        when:
        def i = d('48 8b 05 10 00 00 00', 0x2000)

        then:
        i.ripRelative()
        i.op(1) == new Mem(-1, -1, 1, 0x10, 8, true, -1)
        i.next() + 0x10 == 0x2017
    }

    def "immediates are sign-extended where the encoding sign-extends"() {
        expect:
        d('48 83 c0 ff').op(1) == new Imm(-1, 8)
        d('80 c1 ff').op(1) == new Imm(0xff, 1)
        d('6a ff').op(0) == new Imm(-1, 8)
        d('68 00 00 00 80').op(0) == new Imm(-0x80000000L, 8)
        d('b8 78 56 34 12').op(1) == new Imm(0x12345678, 4)
        d('48 b8 88 77 66 55 44 33 22 11').op(1) == new Imm(0x1122334455667788L, 8)
        d('c2 08 00').op(0) == new Imm(8, 2)
        d('cd 80').op(0) == new Imm(0x80, 1)
    }

    def "branches carry absolute targets and their flow kind"() {
        expect:
        d('e8 fb 0f 00 00', 0x400000).op(0) == new Rel(0x401000)
        d('e8 fb 0f 00 00', 0x400000).flow() == FlowKind.CALL
        d('eb fe', 0x10).op(0) == new Rel(0x10)
        d('0f 85 00 01 00 00', 0).op(0) == new Rel(0x106)
        d('0f 85 00 01 00 00', 0).cc() == 5
        d('74 00').mnemonic() == Mnemonic.JE
        d('ff e0').flow() == FlowKind.JMP_INDIRECT
        d('ff 10').flow() == FlowKind.CALL_INDIRECT
        d('c3').flow() == FlowKind.RET
        d('48 cf').flow() == FlowKind.IRET
        d('cc').flow() == FlowKind.INT
        d('f4').flow() == FlowKind.HLT
    }

    def "push/pop use 64-bit operands in long mode, REX.B selects r8-r15"() {
        expect:
        d('41 57').operands() as List == [new Reg(15, 8, false)]
        d('41 57').mnemonic() == Mnemonic.PUSH
        d('5d').operands() as List == [new Reg(5, 8, false)]
        d('66 50').opSize() == 2
        d('ff 30').op(0) == new Mem(0, -1, 1, 0, 8, false, -1)
    }

    def "byte registers: ah..bh without REX, spl..dil with REX"() {
        expect:
        d('88 e0').operands() as List == [new Reg(0, 1, false), new Reg(0, 1, true)]
        d('40 88 e0').operands() as List == [new Reg(0, 1, false), new Reg(4, 1, false)]
    }

    def "nop forms of every length decode as NOP or XCHG"() {
        expect:
        d(hex).mnemonic() == m
        d(hex).length() == hex.replace(' ', '').length() / 2

        where:
        hex                               || m
        '90'                              || Mnemonic.NOP
        '66 90'                           || Mnemonic.XCHG
        '0f 1f 00'                        || Mnemonic.NOP
        '0f 1f 40 00'                     || Mnemonic.NOP
        '0f 1f 44 00 00'                  || Mnemonic.NOP
        '66 0f 1f 44 00 00'               || Mnemonic.NOP
        '0f 1f 80 00 00 00 00'            || Mnemonic.NOP
        '0f 1f 84 00 00 00 00 00'         || Mnemonic.NOP
        '66 0f 1f 84 00 00 00 00 00'      || Mnemonic.NOP
        '66 2e 0f 1f 84 00 00 00 00 00'   || Mnemonic.NOP
    }

    def "moffs forms take 8-byte offsets in 64-bit mode and 4 in 32-bit mode"() {
        expect:
        d('a1 88 77 66 55 44 33 22 11').op(1) == new Mem(-1, -1, 1, 0x1122334455667788L, 4, false, -1)
        d('a1 00 10 00 00', 0, Mode.BITS32).length() == 5
        d('67 a1 00 10 00 00').length() == 6
    }

    def "66 and 67 change immediate and displacement sizes"() {
        expect:
        d('66 81 c0 34 12').length() == 5
        d('66 c7 00 01 00').op(1) == new Imm(1, 2)
        d('67 8b 80 00 10 00 00').length() == 7
        d('67 8b 87 00 10', 0, Mode.BITS32).length() == 5     // 16-bit addressing: (%bx) + disp16
        d('67 8b 87 00 10', 0, Mode.BITS32).op(1) == new Mem(3, -1, 1, 0x1000, 4, false, -1)
    }

    def "invalid opcodes, truncation and overlong instructions raise DecodeException"() {
        when:
        d(hex, 0x500, mode)

        then:
        DecodeException e = thrown()
        e.address() == 0x500
        e.reason() == reason

        where:
        hex                                   | mode        || reason
        '06'                                  | Mode.BITS64 || 'invalid opcode'
        '0f 0a'                               | Mode.BITS64 || 'invalid opcode'
        'd6'                                  | Mode.BITS32 || 'invalid opcode'
        '8d c0'                               | Mode.BITS64 || 'register form of a memory-only operand'
        'e8 00 00'                            | Mode.BITS64 || 'truncated'
        '66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90' | Mode.BITS64 || 'longer than 15 bytes'
    }

    def "32-bit mode: 40-4f are inc/dec, pushes are 32-bit"() {
        expect:
        d('40', 0, Mode.BITS32).mnemonic() == Mnemonic.INC
        d('48', 0, Mode.BITS32).operands() as List == [new Reg(0, 4, false)]
        d('55', 0, Mode.BITS32).opSize() == 4
    }

    def "VEX and EVEX instructions decode for their length"() {
        expect:
        d('c5 f8 77').length() == 3                         // vzeroupper
        d('c5 fd 6f 04 24').length() == 5                   // vmovdqa (%rsp),%ymm0
        d('c4 e3 7d 18 c1 01').length() == 6                // vinsertf128 $1
        d('62 f1 7c 48 10 44 24 01').length() == 8          // vmovups 0x40(%rsp),%zmm0
        d('c5 f8 77').has(Prefixes.VEX)
    }

    def "the opcode map loader stops on a malformed line, naming it"() {
        when:
        OpcodeMap.parse(new BufferedReader(new StringReader('00 add Eb,Gb\n01 add Ev,Kv\n')))

        then:
        IllegalStateException e = thrown()
        e.message.contains('opcode-map.txt:2')
        e.message.contains("unknown operand kind in 'Kv'")

        when:
        OpcodeMap.parse(new BufferedReader(new StringReader('00 frob Eb,Gb\n')))

        then:
        e = thrown(IllegalStateException)
        e.message.contains("mnemonic 'frob' is not in enum Mnemonic")
    }
}
