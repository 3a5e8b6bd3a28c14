package io.probesim.x86.decode

import io.probesim.x86.TestSize
import io.probesim.x86.format.AttFormatter
import spock.lang.Specification

/**
 * Seeded random bytes, uniform and shaped (legacy prefixes + REX + escapes + opcode, VEX, EVEX and XOP prefixes with
 * plausible fields, random ModRM/SIB/displacement/immediate bytes), decoded by us and by objdump -D -b binary: lengths
 * agree instruction by instruction at objdump's boundaries, or both refuse, outside the documented classes of
 * ObjdumpDiff.Known. We never throw anything but DecodeException, at any byte offset. CI: about 45,000 instructions;
 * -Pslow: over 1,000,000.
 */
class FuzzObjdumpSpec extends Specification {

    static final List<Integer> LEGACY = [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65]

    static void tail(Random r, ByteArrayOutputStream o, int n) { n.times { o.write(r.nextInt(256)) } }

    /** One legacy-encoded shape: 0-3 prefixes, a REX half the time in 64-bit mode, an escape, an opcode, 10 bytes. */
    static void legacy(Random r, ByteArrayOutputStream o, Mode mode) {
        int k = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3][r.nextInt(10)]
        k.times { o.write(LEGACY[r.nextInt(LEGACY.size())]) }
        if (mode == Mode.BITS64 && r.nextBoolean()) o.write(0x40 | r.nextInt(16))
        int esc = r.nextInt(8)
        if (esc >= 3) o.write(0x0f)
        if (esc == 6) o.write(0x38)
        if (esc == 7) o.write(0x3a)
        o.write(r.nextInt(256))
        tail(r, o, 10)
    }

    /** A VEX prefix (2- or 3-byte, map 1-3 mostly) with random fields, an opcode and 8 bytes. */
    static void vex(Random r, ByteArrayOutputStream o, Mode mode) {
        int top = mode == Mode.BITS64 ? 0 : 0xc0
        if (r.nextBoolean()) {
            o.write(0xc5); o.write(r.nextInt(256) | top)
        } else {
            o.write(0xc4)
            int map = r.nextInt(10) == 0 ? r.nextInt(32) : 1 + r.nextInt(3)
            o.write(r.nextInt(256) & 0xe0 | top | map)
            o.write(r.nextInt(256))
        }
        o.write(r.nextInt(256))
        tail(r, o, 8)
    }

    /** An EVEX prefix with valid fixed bits mostly (map 1 2 3 5 6), random W vvvv pp z L'L b V' aaa, an opcode, 8 bytes. */
    static void evex(Random r, ByteArrayOutputStream o, Mode mode) {
        o.write(0x62)
        int map = r.nextInt(10) == 0 ? r.nextInt(16) : [1, 2, 3, 5, 6][r.nextInt(5)]
        o.write(r.nextInt(256) & 0xf0 | (mode == Mode.BITS64 ? 0 : 0xc0) | map)
        o.write(r.nextInt(256) | (r.nextInt(10) == 0 ? 0 : 4))
        o.write(r.nextInt(256))
        o.write(r.nextInt(256))
        tail(r, o, 8)
    }

    /** An AMD XOP prefix (maps 8, 9, A mostly) with random fields, an opcode and 8 bytes. */
    static void xop(Random r, ByteArrayOutputStream o, Mode mode) {
        o.write(0x8f)
        int map = r.nextInt(10) == 0 ? r.nextInt(32) : 8 + r.nextInt(3)
        o.write(r.nextInt(256) & 0xe0 | (mode == Mode.BITS64 ? 0 : 0xc0) | map)
        o.write(r.nextInt(256))
        o.write(r.nextInt(256))
        tail(r, o, 8)
    }

    static byte[] shaped(Random r, int size, Mode mode) {
        def o = new ByteArrayOutputStream(size + 32)
        while (o.size() < size) {
            int pick = r.nextInt(20)
            if (pick < 10) legacy(r, o, mode)
            else if (pick < 13) vex(r, o, mode)
            else if (pick < 17) evex(r, o, mode)
            else if (pick < 19) xop(r, o, mode)
            else tail(r, o, 8)
        }
        o.toByteArray()
    }

    static byte[] uniform(Random r, int size) {
        byte[] b = new byte[size]
        r.nextBytes(b)
        b
    }

    def "#kind random bytes, #modeName-bit: objdump's lengths outside the documented classes"() {
        given:
        def rnd = new Random(seed)
        int size = TestSize.pick(ci, slow)
        byte[] code = kind == 'uniform' ? uniform(rnd, size) : shaped(rnd, size, mode)

        when:
        def lines = GnuTools.disassembleRaw(code, 0, mode, "fuzz-$kind-$modeName")
        lines = lines.findAll { it.address + 16 <= code.length }   // the last instructions may be cut short
        def r = ObjdumpDiff.compare(code, 0, lines, mode, false)
        println r.summary("fuzz $kind $modeName-bit (seed $seed, ${code.length} bytes)")
        r.known.each { k, l -> println "  ${k}: ${l.size()}, e.g. ${l[0]}" }
        r.unknown.take(15).each { println '  unexplained: ' + it }
        r.otherThrows.take(5).each { println '  threw: ' + it }

        then:
        r.total >= size / 4
        r.otherThrows.isEmpty()
        r.unknown.isEmpty()
        r.agreement() >= 0.98

        where:
        kind      | mode        | seed | ci     | slow
        'uniform' | Mode.BITS64 | 1    | 40_000 | 1_200_000
        'shaped'  | Mode.BITS64 | 2    | 40_000 | 1_000_000
        'uniform' | Mode.BITS32 | 3    | 20_000 | 600_000
        'shaped'  | Mode.BITS32 | 4    | 20_000 | 600_000
        modeName = mode == Mode.BITS64 ? '64' : '32'
    }

    def "decoding at every byte offset of random bytes throws nothing but DecodeException, and every decode prints (#modeName-bit)"() {
        given:
        def rnd = new Random(seed)
        int size = TestSize.pick(20_000, 400_000)
        byte[] code = rnd.nextBoolean() ? uniform(rnd, size) : shaped(rnd, size, mode)

        when:
        int decoded = 0
        int refused = 0
        List<String> other = []
        for (int off = 0; off < code.length; off++) {
            try {
                def i = Decoder.decode(code, off, 0x1000 + off, mode)
                AttFormatter.format(i)
                decoded++
            } catch (DecodeException e) {
                refused++
            } catch (RuntimeException e) {
                if (other.size() < 10) other << "offset $off: $e".toString()
            }
        }
        println "every offset, $modeName-bit: $decoded decoded and printed, $refused refused with DecodeException"

        then:
        other.isEmpty()
        decoded > size / 2

        where:
        mode        | seed
        Mode.BITS64 | 5
        Mode.BITS32 | 6
        modeName = mode == Mode.BITS64 ? '64' : '32'
    }
}
