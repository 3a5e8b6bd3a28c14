package io.probesim.probes.kprobes

import spock.lang.Specification

/** register_kprobe's refusals, with the kernel's errno for each (kernel/kprobes.c, arch check). */
class RegistrationSpec extends Specification {

    def "register_kprobe answers #errno when #why"() {
        given:
        def bed = new KprobesTestbed([blacklist: ['kprobe_target2']])
        Throwable thrown = null

        when:
        bed.run { ctx ->
            try {
                bed.kprobes.register(ctx, probe)
            } catch (KprobeException e) {
                thrown = e
            }
        }

        then:
        thrown instanceof KprobeException
        ((KprobeException) thrown).errno() == errno

        where:
        why                                          | probe                                                   || errno
        'the offset is inside lea (bytes 1..3)'      | Kprobe.at('kprobe_target', 2, null, null)                 || Errno.EILSEQ
        'the offset is inside add'                   | Kprobe.at('kprobe_target', 5, null, null)                 || Errno.EILSEQ
        'the symbol is unknown'                      | Kprobe.at('no_such_function', 0, null, null)              || Errno.ENOENT
        'the function is blacklisted'                | Kprobe.at('kprobe_target2', 0, null, null)                || Errno.EINVAL
        'both a symbol and an address are given'     | new Kprobe('kprobe_target', 0, 0xffffffff81000000L, null, null) || Errno.EINVAL
        'neither a symbol nor an address is given'   | new Kprobe(null, 0, 0, null, null)                        || Errno.EINVAL
        'the address is not kernel text'             | new Kprobe(null, 0, 0xffffc90000000000L, null, null)      || Errno.EINVAL
    }

    def "a probe on every instruction boundary registers; lea is 4 bytes and add is 3 (objdump: 48 8d 47 01, 48 01 f8)"() {
        given:
        def bed = new KprobesTestbed()
        def results = [:]

        when:
        bed.run { ctx ->
            [0, 4, 7].each { off ->
                def p = Kprobe.at('kprobe_target', off, null, null)
                results[off] = bed.kprobes.register(ctx, p)
                bed.kprobes.unregister(ctx, p)
            }
        }

        then:
        results == [0: 0, 4: 0, 7: 0]
    }

    def "registering the same probe object twice is EINVAL"() {
        given:
        def bed = new KprobesTestbed()
        def p = Kprobe.at('kprobe_target', 0, null, null)
        Errno second = null

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, p)
            try { bed.kprobes.register(ctx, p) } catch (KprobeException e) { second = e.errno() }
        }

        then:
        second == Errno.EINVAL
    }
}
