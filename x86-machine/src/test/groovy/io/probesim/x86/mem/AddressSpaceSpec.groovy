package io.probesim.x86.mem

import spock.lang.Specification

import static io.probesim.x86.mem.Memory.R
import static io.probesim.x86.mem.Memory.U
import static io.probesim.x86.mem.Memory.W
import static io.probesim.x86.mem.Memory.X

/**
 * Per-process address spaces over one shared kernel space, fork() and private file mappings,
 * with the semantics Linux documents: the kernel half is the same memory in every process;
 * after fork(2) "memory writes ... performed by one of the processes do not affect the other";
 * a MAP_PRIVATE mapping's "updates ... are not visible to other processes mapping the same file,
 * and are not carried through to the underlying file" (mmap(2)); uprobes' write_opcode gives the
 * probed mm a private copy of the text page and leaves the page cache alone.
 */
class AddressSpaceSpec extends Specification {

    static final long KTEXT = 0xffffffff81000000L
    static final long KDATA = 0xffffffff82000000L
    static final long UTEXT = 0x400000L
    static final long UDATA = 0x600000L

    Memory kernel = new Memory()

    def setup() {
        kernel.map(KTEXT, 0x1000, R | X)
        kernel.map(KDATA, 0x1000, R | W)
    }

    def "every process sees the one kernel space: a write through one process is read by another and by the kernel"() {
        given:
        Memory a = kernel.newProcessSpace()
        Memory b = kernel.newProcessSpace()

        when:
        a.write64(KDATA + 8, 0x1234)

        then:
        b.read64(KDATA + 8) == 0x1234
        kernel.read64(KDATA + 8) == 0x1234
        a.kernelSpace().is(kernel)
        a.pageCount() == 0             // the kernel's pages are not copied into the process
    }

    def "the lower half is private to each process"() {
        given:
        Memory a = kernel.newProcessSpace()
        Memory b = kernel.newProcessSpace()

        when:
        a.map(UDATA, 0x1000, R | W | U)
        a.write32(UDATA, 7)

        then:
        !b.isMapped(UDATA)
        !kernel.isMapped(UDATA)

        when:
        b.read32(UDATA)

        then:
        def f = thrown(MemoryFault)
        !f.present()
    }

    def "kernel page-table changes reach a process whose lookaside buffer cached the old entry (a TLB shootdown)"() {
        given: 'a process that has used kernel data (so its buffer caches the page as writable)'
        Memory a = kernel.newProcessSpace()
        a.write64(KDATA, 1)

        when: 'the kernel makes the page read-only'
        kernel.protect(KDATA, 0x1000, R)
        a.write64(KDATA, 2)

        then:
        def f = thrown(MemoryFault)
        f.present() && f.write()
        a.read64(KDATA) == 1

        when: 'the kernel unmaps it'
        kernel.unmap(KDATA, 0x1000)
        a.read64(KDATA)

        then:
        def g = thrown(MemoryFault)
        !g.present()

        when: 'mapping kernel space through a process maps it for everyone'
        a.map(KDATA, 0x1000, R | W)

        then:
        kernel.isMapped(KDATA)
        kernel.newProcessSpace().isMapped(KDATA)
    }

    def "a write to kernel text through any space moves the code version of every space; a process's own text only its own"() {
        given:
        Memory a = kernel.newProcessSpace()
        Memory b = kernel.newProcessSpace()
        a.map(UTEXT, 0x1000, R | W | X | U)
        long k0 = kernel.codeVersion()
        long a0 = a.codeVersion()
        long b0 = b.codeVersion()

        when:
        a.poke(KTEXT, [0xcc] as byte[])

        then:
        kernel.codeVersion() > k0
        a.codeVersion() > a0
        b.codeVersion() > b0

        when:
        long k1 = kernel.codeVersion()
        long a1 = a.codeVersion()
        long b1 = b.codeVersion()
        a.write8(UTEXT, 0x90)

        then:
        a.codeVersion() > a1
        b.codeVersion() == b1
        kernel.codeVersion() == k1
    }

    def "a released process space no longer follows the kernel"() {
        given:
        Memory a = kernel.newProcessSpace()
        long a0 = a.codeVersion()

        when:
        a.release()
        kernel.poke(KTEXT, [0xcc] as byte[])

        then:
        a.codeVersion() == a0
    }

    def "fork: both sides start with the same bytes; afterwards a store by either stays on its side"() {
        given:
        Memory parent = kernel.newProcessSpace()
        parent.map(UDATA, 0x2000, R | W | U)
        parent.write64(UDATA, 11)                       // cached writable in the parent's buffer
        parent.write64(UDATA + 0x1000, 22)

        when:
        Memory child = parent.fork()

        then:
        child.read64(UDATA) == 11
        child.read64(UDATA + 0x1000) == 22
        parent.isShared(UDATA) && child.isShared(UDATA)
        child.perms(UDATA) == (R | W | U)

        when:
        parent.write64(UDATA, 33)                       // through the store path, despite the cached entry
        child.write64(UDATA + 0x1000, 44)

        then:
        parent.read64(UDATA) == 33
        child.read64(UDATA) == 11
        parent.read64(UDATA + 0x1000) == 22
        child.read64(UDATA + 0x1000) == 44
        !parent.isShared(UDATA) && child.isShared(UDATA)
        parent.isShared(UDATA + 0x1000) && !child.isShared(UDATA + 0x1000)

        and: 'the kernel half is still shared, not copied'
        child.kernelSpace().is(kernel)
    }

    def "every store size and path copies a shared page first: #how"() {
        given:
        Memory parent = kernel.newProcessSpace()
        parent.map(UDATA, 0x2000, R | W | U)
        Memory child = parent.fork()

        when:
        action(child)

        then:
        parent.read(UDATA, 0x2000).every { it == 0 }
        child.read(UDATA + 0xff8, 16).any { it != 0 }

        where:
        how                      | action
        'write8'                 | { Memory m -> m.write8(UDATA + 0xfff, 1) }
        'write16'                | { Memory m -> m.write16(UDATA + 0xffe, 1) }
        'write32 across pages'   | { Memory m -> m.write32(UDATA + 0xffe, -1) }
        'write64'                | { Memory m -> m.write64(UDATA + 0xff8, 5) }
        'store'                  | { Memory m -> m.store(UDATA + 0x1000, 8, 5) }
        'write(byte[])'          | { Memory m -> m.write(UDATA + 0xffc, [1, 2, 3, 4, 5, 6] as byte[]) }
        'poke'                   | { Memory m -> m.poke(UDATA + 0xffc, [1, 2, 3, 4, 5, 6] as byte[]) }
        'loadForWrite + store'   | { Memory m -> m.loadForWrite(UDATA + 0xff8, 8); m.write64(UDATA + 0xff8, 9) }
    }

    def "a refused store to a shared page changes nothing on either side"() {
        given:
        Memory parent = kernel.newProcessSpace()
        parent.map(UDATA, 0x1000, R | W | U)
        parent.write64(UDATA + 0xff8, 5)
        Memory child = parent.fork()

        when: 'a store that crosses into an unmapped page'
        child.write64(UDATA + 0xffc, -1L)

        then:
        thrown(MemoryFault)
        child.read64(UDATA + 0xff8) == 5
        parent.read64(UDATA + 0xff8) == 5
    }

    def "two processes mapping one file share its text; a breakpoint poked into one leaves the other and the file alone"() {
        given: 'a 2-page file mapped privately, read-only and executable, into two processes'
        byte[] text = (0..<6000).collect { (byte) (it * 7 + 3) } as byte[]
        def file = new BackingFile('/bin/workload', text)
        Memory a = kernel.newProcessSpace()
        Memory b = kernel.newProcessSpace()
        a.mapFile(UTEXT, 0x2000, R | X | U, file, 0)
        b.mapFile(UTEXT, 0x2000, R | X | U, file, 0)
        long b0 = b.codeVersion()
        long a0 = a.codeVersion()

        expect:
        a.read(UTEXT, 6000) == text
        b.read(UTEXT + 0x1000, 16) == Arrays.copyOfRange(text, 0x1000, 0x1010)
        a.read(UTEXT + 6000, 8) == new byte[8]             // past the end of the file: zeros

        when: 'a normal store to read-only text is refused, shared or not'
        a.write8(UTEXT + 0x10, 0xcc)

        then:
        def f = thrown(MemoryFault)
        f.present() && f.write()

        when: "uprobes' write_opcode: a forced write of int3 into A's text"
        a.poke(UTEXT + 0x10, [0xcc] as byte[])

        then:
        a.read8(UTEXT + 0x10) == 0xcc
        b.read8(UTEXT + 0x10) == (text[0x10] & 0xff)
        file.read(0x10, 1)[0] == text[0x10]
        a.codeVersion() > a0
        b.codeVersion() == b0
        !a.isShared(UTEXT) && a.isShared(UTEXT + 0x1000) && b.isShared(UTEXT)

        and: 'the rest of the copied page still holds the file bytes'
        a.read(UTEXT, 0x10) == Arrays.copyOf(text, 0x10)
    }

    def "file offsets select the pages; a mapping replaces what was there"() {
        given:
        byte[] text = new byte[3 * 4096]
        for (int i = 0; i < text.length; i++) text[i] = (byte) (i >>> 12)
        def file = new BackingFile('lib.so', text)
        Memory a = kernel.newProcessSpace()
        a.map(UTEXT, 0x1000, R | W | U)
        a.write8(UTEXT, 0x77)

        when:
        a.mapFile(UTEXT, 0x2000, R | U, file, 0x1000)

        then:
        a.read8(UTEXT) == 1
        a.read8(UTEXT + 0x1000) == 2
        a.perms(UTEXT) == (R | U)
    }

    def "mapping arguments that cannot be honoured are refused"() {
        given:
        def file = new BackingFile('f', new byte[10])

        when:
        kernel.newProcessSpace().mapFile(UTEXT + 1, 0x1000, R | U, file, 0)

        then:
        thrown(IllegalArgumentException)

        when: 'an execute-only page does not exist on x86'
        kernel.map(KDATA, 0x1000, X)

        then:
        thrown(IllegalArgumentException)

        when:
        kernel.newProcessSpace().newProcessSpace()

        then:
        thrown(IllegalStateException)

        when:
        kernel.newProcessSpace().copy()

        then:
        thrown(IllegalStateException)
    }

    def "a copy of the kernel space shares nothing: later pokes on either side stay there"() {
        given:
        Memory a = kernel.newProcessSpace()
        a.map(UDATA, 0x1000, R | W | U)
        def file = new BackingFile('f', [1, 2, 3] as byte[])
        kernel.mapFile(0x700000, 0x1000, R | U, file, 0)
        Memory c = kernel.copy()
        long a0 = a.codeVersion()

        when:
        c.poke(KTEXT, [0xcc] as byte[])
        c.poke(0x700000, [9] as byte[])

        then:
        kernel.read8(KTEXT) == 0
        a.codeVersion() == a0                          // the copy has no process spaces attached
        file.read(0, 1)[0] == 1
        kernel.read8(0x700000) == 1
    }

    def "user accesses need U; the supervisor may touch user pages (no SMAP)"() {
        given:
        Memory a = kernel.newProcessSpace()
        a.map(UDATA, 0x1000, R | W | U)

        when:
        a.userAccess(true)
        a.write32(UDATA, 5)
        a.read32(KDATA)

        then:
        def f = thrown(MemoryFault)
        f.user() && f.present() && !f.write()

        when:
        a.userAccess(false)

        then:
        a.read32(UDATA) == 5
        a.read32(KDATA) == 0
        a.probe(KDATA, false, false, true) != null
        a.probe(KDATA, false, false, false) == null
        a.probe(UDATA, true, false, true) == null
    }
}
