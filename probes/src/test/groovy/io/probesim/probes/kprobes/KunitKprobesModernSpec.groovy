package io.probesim.probes.kprobes

import io.probesim.probes.Era

/**
 * lib/test_kprobes.c's cases again, in era modern: the probed instructions are stepped by the
 * v5.13 int3 single-step (lea, add) or emulated (ret), never with TF.
 */
class KunitKprobesModernSpec extends KunitKprobesSpec {

    @Override
    KprobesTestbed testbed(String text = KprobesTestbed.TARGETS) {
        new KprobesTestbed([era: Era.MODERN], text)
    }

    def "in era modern a probe hit takes two int3 traps and no debug trap"() {
        given:
        def bed = testbed()
        def kp = Kprobe.at('kprobe_target', 0, { p, r -> 0 } as PreHandler, { p, r, f -> } as PostHandler)
        long r = 0

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, kp)
            r = ctx.call('kprobe_target', RAND1)
            bed.kprobes.unregister(ctx, kp)
        }
        def kinds = bed.log.events()*.kind()

        then: 'spec 2.6: the int3 on the probe, then the int3 after the copy in the slot'
        r == 2 * RAND1 + 1
        kinds.count { it == 'int3' } == 2
        kinds.count { it == 'debug' } == 0
        bed.violations.first().isEmpty()
    }
}
