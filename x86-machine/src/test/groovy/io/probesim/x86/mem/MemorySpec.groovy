package io.probesim.x86.mem

import spock.lang.Specification
import spock.lang.Unroll

import java.nio.ByteBuffer
import java.nio.ByteOrder

import static io.probesim.x86.mem.Memory.R
import static io.probesim.x86.mem.Memory.W
import static io.probesim.x86.mem.Memory.X

class MemorySpec extends Specification {

    static final long BASE = 0x400000L

    Memory mem = new Memory()

    def "a fresh mapping is zero-filled and page granular"() {
        when:
        mem.map(BASE + 10, 1, R | W)

        then:
        mem.isMapped(BASE)
        mem.isMapped(BASE + 4095)
        !mem.isMapped(BASE + 4096)
        !mem.isMapped(BASE - 1)
        mem.read64(BASE + 4088) == 0L
        mem.perms(BASE + 123) == (R | W)
        mem.perms(BASE + 4096) == 0
        mem.pageCount() == 1
    }

    @Unroll
    def "little-endian #bits-bit access at page offset #off agrees with a ByteBuffer (crossing pages: #crossing)"() {
        given: 'two adjacent pages of known bytes'
        mem.map(BASE, 8192, R | W)
        byte[] pattern = (0..<8192).collect { (byte) ((it * 37 + 11) & 0xff) } as byte[]
        mem.write(BASE, pattern)
        def ref = ByteBuffer.wrap(pattern).order(ByteOrder.LITTLE_ENDIAN)
        long a = BASE + off

        expect: 'reads match the independent decoder of the same bytes'
        read(mem, a, bits) == expected(ref, off, bits)

        when: 'a value is written at the same place'
        long v = 0x8877665544332211L ^ off
        write(mem, a, bits, v)
        ref.position(0)
        switch (bits) {
            case 8: ref.put(off, (byte) v); break
            case 16: ref.putShort(off, (short) v); break
            case 32: ref.putInt(off, (int) v); break
            default: ref.putLong(off, v)
        }

        then: 'every byte of both pages equals the reference'
        mem.read(BASE, 8192) == ref.array()

        where:
        [bits, off] << [[8, 16, 32, 64], [0, 1, 4093, 4094, 4095, 4096, 8184]].combinations()
        crossing = off % 4096 + bits / 8 > 4096
    }

    def "load and store take the size as a number"() {
        given:
        mem.map(BASE, 4096, R | W)

        when:
        mem.store(BASE, 4, 0xfffffffeL)
        mem.store(BASE + 4, 2, 0x1234)

        then:
        mem.load(BASE, 4) == 0xfffffffeL
        mem.load(BASE, 1) == 0xfe
        mem.load(BASE + 4, 2) == 0x1234
        mem.load(BASE, 8) == 0x00001234fffffffeL
    }

    def "reading an unmapped page faults with its address"() {
        when:
        mem.read32(0x1000)

        then:
        def f = thrown(MemoryFault)
        f.address() == 0x1000
        !f.write()
        !f.fetch()
        !f.nonCanonical()
        !f.present()
    }

    def "a write to a read-only page is a protection fault and writes nothing"() {
        given:
        mem.map(BASE, 4096, R)

        when:
        mem.write64(BASE + 8, -1L)

        then:
        def f = thrown(MemoryFault)
        f.write()
        f.present()
        f.address() == BASE + 8
        mem.read64(BASE + 8) == 0L
    }

    def "a page-crossing write whose second page refuses changes neither page"() {
        given:
        mem.map(BASE, 4096, R | W)
        mem.map(BASE + 4096, 4096, R)

        when:
        mem.write64(BASE + 4092, -1L)

        then:
        def f = thrown(MemoryFault)
        f.address() == BASE + 4096
        f.present()
        mem.read32(BASE + 4092) == 0
        mem.read32(BASE + 4096) == 0
    }

    def "a page-crossing read into an unmapped page faults at the first byte of that page"() {
        given:
        mem.map(BASE, 4096, R)

        when:
        mem.read16(BASE + 4095)

        then:
        def f = thrown(MemoryFault)
        f.address() == BASE + 4096
        !f.present()
    }

    def "instruction fetches need X; a page mapped with no permission is not present"() {
        given:
        mem.map(BASE, 4096, R | X)
        mem.map(BASE + 4096, 4096, R | W)
        mem.map(BASE + 8192, 4096, 0)
        byte[] buf = new byte[4]

        when: 'an x86 page that is present is readable (the PTE has no R bit)'
        mem.read8(BASE)

        then:
        notThrown(MemoryFault)

        when: 'a PROT_NONE-like page keeps its mapping but faults with P = 0'
        mem.read8(BASE + 8192)

        then:
        def none = thrown(MemoryFault)
        !none.present()
        mem.isMapped(BASE + 8192)

        when:
        int n = mem.fetch(BASE + 4094, buf, 4)

        then: 'a fetch stops before the first non-executable byte'
        n == 2

        when:
        mem.fetch(BASE + 4096, buf, 4)

        then:
        def f = thrown(MemoryFault)
        f.fetch()
        f.present()
        f.address() == BASE + 4096
    }

    @Unroll
    def "non-canonical address #addr faults as non-canonical"() {
        when:
        mem.read8(addr)

        then:
        def f = thrown(MemoryFault)
        f.nonCanonical()

        where:
        addr << [0x0000800000000000L, 0x7fff000000000000L, 0xffff7fffffffffffL, 0x8000000000000000L]
    }

    def "canonical means bits 63..47 are equal"() {
        expect:
        Memory.canonical(0L)
        Memory.canonical(0x00007fffffffffffL)
        !Memory.canonical(0x0000800000000000L)
        Memory.canonical(0xffff800000000000L)
        Memory.canonical(-1L)
        !Memory.canonical(0xfffe800000000000L)
    }

    def "an access that runs off the top of the lower half is non-canonical"() {
        given:
        mem.map(0x00007ffffffff000L, 4096, R | W)

        when:
        mem.read64(0x00007ffffffffffcL)

        then:
        def f = thrown(MemoryFault)
        f.nonCanonical()
    }

    def "kernel addresses in the upper half work"() {
        given:
        long k = 0xffffffff81000000L
        mem.map(k, 8192, R | W | X)

        when:
        mem.write64(k + 4095, 0x0102030405060708L)

        then:
        mem.read64(k + 4095) == 0x0102030405060708L
        mem.read8(k + 4095) == 8
        mem.read8(k + 4096) == 7
    }

    def "poke writes read-only text but still needs a mapping"() {
        given:
        mem.map(BASE, 4096, R | X)

        when:
        mem.poke(BASE + 1, [0xcc] as byte[])

        then:
        mem.read8(BASE + 1) == 0xcc

        when:
        mem.poke(BASE + 4095, [1, 2] as byte[])

        then:
        def f = thrown(MemoryFault)
        f.write()
        !f.present()
        mem.read8(BASE + 4095) == 0
    }

    def "codeVersion bumps on writes to executable pages only"() {
        given:
        mem.map(BASE, 4096, R | W | X)
        mem.map(BASE + 4096, 4096, R | W)
        long v0 = mem.codeVersion()

        when: 'data pages are written'
        mem.write8(BASE + 4096, 1)
        mem.write16(BASE + 4100, 1)
        mem.write32(BASE + 4200, 1)
        mem.write64(BASE + 4300, 1)
        mem.write(BASE + 5000, [1, 2, 3] as byte[])
        mem.read64(BASE)

        then:
        mem.codeVersion() == v0

        when: 'each kind of write hits the code page'
        long v1 = mem.codeVersion()
        mem.write8(BASE, 1)
        long v2 = mem.codeVersion()
        mem.write16(BASE + 2, 1)
        long v3 = mem.codeVersion()
        mem.write32(BASE + 8, 1)
        long v4 = mem.codeVersion()
        mem.write64(BASE + 16, 1)
        long v5 = mem.codeVersion()
        mem.poke(BASE + 32, [0x90] as byte[])
        long v6 = mem.codeVersion()
        mem.write64(BASE + 4092, -1L)       // crosses from the code page into the data page
        long v7 = mem.codeVersion()

        then:
        [v1, v2, v3, v4, v5, v6, v7].toUnique().size() == 7
        v7 > v6 && v6 > v5 && v5 > v4 && v4 > v3 && v3 > v2 && v2 > v1
    }

    def "codeVersion bumps when executability changes"() {
        given:
        mem.map(BASE, 4096, R | W)
        long v0 = mem.codeVersion()

        when:
        mem.protect(BASE, 4096, R | X)

        then:
        mem.codeVersion() > v0

        when:
        long v1 = mem.codeVersion()
        mem.unmap(BASE, 4096)

        then:
        mem.codeVersion() > v1
        !mem.isMapped(BASE)
    }

    def "protect changes permissions seen by accesses already cached"() {
        given:
        mem.map(BASE, 4096, R | W)
        mem.write8(BASE, 1)

        when:
        mem.protect(BASE, 4096, R)
        mem.write8(BASE, 2)

        then:
        thrown(MemoryFault)
        mem.read8(BASE) == 1
    }

    def "copy is deep: later writes to either side stay on that side"() {
        given:
        mem.map(BASE, 8192, R | W | X)
        mem.write64(BASE, 42)
        Memory c = mem.copy()

        when:
        mem.write64(BASE, 1)
        c.write64(BASE + 8, 2)
        c.map(BASE + 0x10000, 4096, R)

        then:
        c.read64(BASE) == 42
        mem.read64(BASE) == 1
        mem.read64(BASE + 8) == 0
        c.read64(BASE + 8) == 2
        !mem.isMapped(BASE + 0x10000)
    }

    def "many pages survive table growth and removal in any order"() {
        given: 'pages scattered over both halves of the address space'
        def rnd = new Random(7)
        List<Long> pages = (0..<3000).collect { i ->
            long p = (rnd.nextLong() & 0x00007ffffffff000L)
            (i % 2 == 0) ? p : (p | 0xffff800000000000L)
        }.unique()

        when:
        pages.eachWithIndex { long p, int i -> mem.map(p, 4096, R | W); mem.write64(p, p ^ i) }
        Set<Long> removed = pages.findAll { (it >>> 12) % 3 == 0 } as Set
        removed.each { mem.unmap(it, 4096) }

        then:
        pages.eachWithIndex { long p, int i ->
            if (removed.contains(p)) {
                assert !mem.isMapped(p)
            } else {
                assert mem.read64(p) == (p ^ i)
            }
        }
        mem.pageCount() == pages.size() - removed.size()
    }

    static long read(Memory m, long a, int bits) {
        switch (bits) {
            case 8: return m.read8(a)
            case 16: return m.read16(a)
            case 32: return m.read32(a) & 0xffffffffL
            default: return m.read64(a)
        }
    }

    static void write(Memory m, long a, int bits, long v) {
        switch (bits) {
            case 8: m.write8(a, (int) v); break
            case 16: m.write16(a, (int) v); break
            case 32: m.write32(a, (int) v); break
            default: m.write64(a, v)
        }
    }

    static long expected(ByteBuffer b, int off, int bits) {
        switch (bits) {
            case 8: return b.get(off) & 0xff
            case 16: return b.getShort(off) & 0xffff
            case 32: return b.getInt(off) & 0xffffffffL
            default: return b.getLong(off)
        }
    }
}
