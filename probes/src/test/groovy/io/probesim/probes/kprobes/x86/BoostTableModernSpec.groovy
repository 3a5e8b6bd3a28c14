package io.probesim.probes.kprobes.x86

import io.probesim.probes.Era
import io.probesim.probes.kprobes.Kprobe
import io.probesim.probes.kprobes.KprobesTestbed
import io.probesim.x86.decode.Decoder
import io.probesim.x86.decode.Mode
import spock.lang.Shared
import spock.lang.Specification

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * The modern can_boost (spec 2.5). The one-byte verdicts are held against the list in the spec's
 * own text, parsed here; the decoded examples are assembled by GNU as (an independent encoder)
 * and their expected verdicts come from the spec's rules, stated beside each.
 */
class BoostTableModernSpec extends Specification {

    static final Path SPEC = Path.of('../../shared/spec/kprobes-x86.md')

    @Shared Set<Integer> notBoostable = parseSpecList()

    /** The opcodes after "the modern `can_boost` also refuses: ... prefixes," up to "; FF only for /4". */
    static Set<Integer> parseSpecList() {
        assert Files.exists(SPEC): "spec not found at ${SPEC.toAbsolutePath()} (shared/ must sit beside the repository)"
        String text = Files.readString(SPEC).replaceAll(/\s+/, ' ')
        int start = text.indexOf('`can_boost` also refuses')
        int from = text.indexOf('prefixes, ', start) + 'prefixes, '.length()
        int end = text.indexOf('; FF only for /4', from)
        assert start > 0 && from > start && end > from
        Set<Integer> set = new TreeSet<>()
        (text.substring(from, end) =~ /\b([0-9A-F]{2})(?:-([0-9A-F]{2}))?\b/).each { m ->
            int lo = Integer.parseInt(m[1], 16)
            int hi = m[2] ? Integer.parseInt(m[2], 16) : lo
            (lo..hi).each { set << it }
        }
        set
    }

    def "the spec's list parses to the groups it names"() {
        expect: 'counted by hand from spec 2.5: 62, 70-7F, 9A, C0-C1, CC-CE, D0-D3, D6, D8-DF, E0-E3, E8-E9, EB, F0-F4, F6-F7, FE'
        notBoostable.size() == 1 + 16 + 1 + 2 + 3 + 4 + 1 + 8 + 4 + 2 + 1 + 5 + 2 + 1
        notBoostable.containsAll([0x62, 0x70, 0x7f, 0x9a, 0xcc, 0xe9, 0xeb, 0xf4, 0xfe])
        !notBoostable.contains(0x9c) && !notBoostable.contains(0xff) && !notBoostable.contains(0xea)
    }

    def "one-byte opcode 0x#hex is #verdict"() {
        expect:
        BoostTableModern.canBoostOpcode(op) == !notBoostable.contains(op)

        where:
        op << (0..255)
        hex = String.format('%02x', op)
        verdict = parseSpecList().contains(op) ? 'not boostable' : 'boostable'
    }

    /** GNU as, then objcopy to flat bytes; fails loudly without binutils. */
    static byte[] gnuAs(String source) {
        Path dir = Files.createTempDirectory('probesim-boost-as')
        try {
            Path s = dir.resolve('t.s'), o = dir.resolve('t.o'), bin = dir.resolve('t.bin')
            Files.writeString(s, '.code64\n.text\n' + source + '\n')
            exec(['as', '--64', '-o', o.toString(), s.toString()])
            exec(['objcopy', '-O', 'binary', '-j', '.text', o.toString(), bin.toString()])
            Files.readAllBytes(bin)
        } finally {
            dir.toFile().deleteDir()
        }
    }

    static void exec(List<String> cmd) {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start()
        String out = p.inputStream.text
        assert p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0: "${cmd.join(' ')} failed:\n$out"
    }

    def "#source: #why"() {
        given:
        byte[] code = gnuAs(source)
        def insn = Decoder.decode(code, 0, 0x1000, Mode.BITS64)

        expect:
        BoostTableModern.canBoost(insn, false) == boostable
        !BoostTableModern.canBoost(insn, true)    // an exception-table entry refuses any instruction

        where:
        source                         || boostable | why
        'mov %rdi, %rax'               || true      | 'plain one-byte opcode 89 after REX'
        'pushf'                        || true      | '9C is not on the modern list (2006 refused it)'
        'movb $1, (%rax)'              || true      | 'C6 is not on the modern list (2006 refused it)'
        'ret'                          || true      | 'C3 is not on the list'
        'jmp .'                        || false     | 'EB short jmp'
        '{disp32} jmp 1f\n1:'          || false     | 'E9 near jmp'
        'call 1f\n1:'                  || false     | 'E8 near call'
        'jne 1f\n1:'                   || false     | '75, in 70-7F'
        'shl $3, %eax'                 || false     | 'C1, Grp2'
        'neg %eax'                     || false     | 'F7, Grp3'
        'hlt'                          || false     | 'F4'
        'int3'                         || false     | 'CC'
        'jmp *%rax'                    || true      | 'FF /4: the only boostable FF form'
        'jmp *(%rax)'                  || true      | 'FF /4 through memory'
        'call *%rax'                   || false     | 'FF /2'
        'call *(%rax)'                 || false     | 'FF /2 through memory'
        'ljmp *(%rax)'                 || false     | 'FF /5'
        'incl (%rax)'                  || false     | 'FF /0'
        'pushq (%rax)'                 || false     | 'FF /6'
        'cs mov (%rax), %eax'          || false     | 'CS prefix'
        'fs mov (%rax), %eax'          || true      | 'an FS prefix is not refused'
        'mov (%eax), %eax'             || false     | 'address-size prefix 67'
        'pshufb %xmm1, %xmm0'          || false     | '66 0F 38 00: a three-byte opcode'
        'palignr $1, %xmm1, %xmm0'     || false     | '66 0F 3A 0F: a three-byte opcode'
        '{disp32} jne 1f\n1:'          || false     | '0F 85: two-byte Jcc'
        'cmove %rsi, %rax'             || true      | '0F 44: two-byte cmovcc'
        'movzbl (%rdi), %eax'          || true      | '0F B6: two-byte movzx'
        'cpuid'                        || false     | '0F A2'
    }

    static final String TEXT = '''
plain:   push %rbp
         pop  %rbp
         ret
'''

    def "#era, preempt #preempt: the jmp back is in the slot at registration, so hits are #expected"() {
        given:
        def bed = new KprobesTestbed([era: era, preempt: preempt], TEXT)
        byte[] afterCopy = null
        long slot = 0, orig = 0
        def kinds = []

        when:
        bed.run { ctx ->
            def p = Kprobe.at('plain', 0, null, null)
            bed.kprobes.register(ctx, p)
            slot = p.ainsn().slot()
            orig = p.address()
            afterCopy = bed.kernel.memory().read(slot + 1, 5)      // after the 1-byte push %rbp
            4.times { ctx.call('plain') }
            kinds = bed.log.events().findAll { it.kind() in ['kprobe-ss', 'kprobe-boost'] }.collect { it.kind() == 'kprobe-ss' ? 'ss' : 'boost' }
            bed.kprobes.unregister(ctx, p)
        }
        long rel = (afterCopy[1] & 0xffL) | (afterCopy[2] & 0xffL) << 8 | (afterCopy[3] & 0xffL) << 16 | ((long) afterCopy[4]) << 24

        then: '''E9 rel32 from slot+1+5 to orig+1, the instruction after push %rbp; except that the v5.13
               prepare_singlestep (era modern) writes an int3 there instead on CONFIG_PREEMPT'''
        if (era == Era.MODERN && preempt) {
            assert (afterCopy[0] & 0xff) == 0xcc
        } else {
            assert (afterCopy[0] & 0xff) == 0xe9
            assert slot + 1 + 5 + rel == orig + 1
        }
        kinds == expected
        bed.violations.first().isEmpty()

        where:
        era        | preempt || expected
        Era.E2017  | false   || ['boost'] * 4
        Era.MODERN | false   || ['boost'] * 4
        Era.MODERN | true    || ['ss'] * 4      // no boosting on CONFIG_PREEMPT kernels
        Era.E2017  | true    || ['ss'] * 4
    }
}
