package io.probesim.x86.format

import io.probesim.x86.decode.Decoder
import io.probesim.x86.decode.Mode
import spock.lang.Specification

/** Text vectors produced by GNU objdump (src/test/resources/decode/vectors64.txt) and the Disassembler walk. */
class AttFormatterSpec extends Specification {

    static List<List<String>> vectors() {
        AttFormatterSpec.getResourceAsStream('/decode/vectors64.txt').readLines()
                .findAll { it.trim() && !it.startsWith('#') }
                .collect { it.split(/ \| /, 3) as List<String> }
    }

    def "prints #hex as objdump does: #text"() {
        expect:
        AttFormatter.format(Decoder.decode(HexFormat.ofDelimiter(' ').parseHex(hex), 0, Long.parseLong(addr, 16), Mode.BITS64)) == text

        where:
        [addr, hex, text] << vectors()
    }

    def "the disassembler prints address, length, bytes and text, and (bad) for one undecodable byte"() {
        given:
        byte[] code = HexFormat.of().parseHex('554889e5' + '06' + 'c3')

        expect:
        Disassembler.lines(code, 0x1000, Mode.BITS64) == [
                '1000\t1\t55\tpush   %rbp',
                '1001\t3\t48 89 e5\tmov    %rsp,%rbp',
                '1004\t1\t06\t(bad)',
                '1005\t1\tc3\tret']
    }

    def "a truncated instruction at the end of the bytes is (bad) byte by byte"() {
        expect:
        Disassembler.lines(HexFormat.of().parseHex('e8ff'), 0, Mode.BITS64)*.split('\t')*.getAt(3) == ['(bad)', '(bad)']
    }
}
