package io.probesim.probes.kprobes

import io.probesim.x86.kernel.Layout
import spock.lang.Specification

/**
 * kprobe_insn_cache's rules: a slot freed by a boosted probe is DIRTY, not free; it is handed
 * out again only after a garbage collection that first waits for a quiescent period, and only
 * when no clean slot is left. Two-slot pages make "no clean slot left" easy to reach.
 */
class InsnSlotsSpec extends Specification {

    def "a dirty slot is reused only after the wait, and only when no clean slot is left"() {
        given:
        def bed = new KprobesTestbed()
        def slots = new InsnSlots(bed.kernel, Layout.MODULE_SPACE + 0x100000, 2048, 'test_insn_page')
        def released = []
        slots.addListener(new InsnSlots.Listener() {
            void handedOut(long slot, int size) {}
            void released(long slot, int size) { released << slot }
        })
        int waits = 0
        long a = 0, b = 0, c = 0, d = 0
        def states = [:]

        when:
        bed.run { ctx ->
            a = slots.get(ctx, { waits++ })
            b = slots.get(ctx, { waits++ })
            slots.free(ctx, a, true)
            states.afterDirtyFree = slots.state(a)
            states.releasedBeforeGc = new ArrayList(released)
            c = slots.get(ctx, { waits++ })          // page full, one dirty: collect
            slots.free(ctx, b, false)
            d = slots.get(ctx, { waits++ })          // b is clean: no wait
        }

        then:
        b == a + 2048
        states.afterDirtyFree == InsnSlots.State.DIRTY
        states.releasedBeforeGc == []
        c == a
        waits == 1
        released == [a, b]
        d == b
    }

    def "with only used slots and none dirty, a new page is mapped without waiting"() {
        given:
        def bed = new KprobesTestbed()
        def slots = new InsnSlots(bed.kernel, Layout.MODULE_SPACE + 0x200000, 2048, 'test_insn_page')
        int waits = 0
        def got = []

        when:
        bed.run { ctx -> 3.times { got << slots.get(ctx, { waits++ }) } }

        then:
        got == [0L, 2048L, 4096L].collect { Layout.MODULE_SPACE + 0x200000 + it }
        waits == 0
        bed.kernel.memory().isMapped(got[2])
        bed.kernel.symbols().describe(got[2]) == 'test_insn_page1'
    }
}
