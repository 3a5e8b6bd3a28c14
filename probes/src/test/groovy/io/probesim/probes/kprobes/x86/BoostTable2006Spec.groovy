package io.probesim.probes.kprobes.x86

import spock.lang.Shared
import spock.lang.Specification

import java.nio.file.Files
import java.nio.file.Path

/**
 * All 256 one-byte opcodes against seed 000's list of opcodes the 2006 booster must not boost.
 * The reference is the seed's own text, parsed here, not our table.
 */
class BoostTable2006Spec extends Specification {

    static final Path SEED = Path.of('../../shared/seeds/000_01b11793437b7841.txt')

    @Shared Set<Integer> notBoostable = parseSeedList()

    static Set<Integer> parseSeedList() {
        assert Files.exists(SEED): "seed 000 not found at ${SEED.toAbsolutePath()} (shared/ must sit beside the repository)"
        def lines = Files.readAllLines(SEED)
        int start = lines.findIndexOf { it.contains('I determined that following opcodes are not') }
        int end = lines.findIndexOf(start) { it.startsWith('Kprobe-booster checks') }
        assert start > 0 && end > start
        Set<Integer> set = new TreeSet<>()
        lines.subList(start + 1, end).each { line ->
            if (!line.startsWith('- ')) return
            def range = line =~ /([0-9A-F]{2})H\s*-\s*([0-9A-F]{2})H/
            if (range.find()) {
                (Integer.parseInt(range.group(1), 16)..Integer.parseInt(range.group(2), 16)).each { set << it }
            } else {
                (line =~ /([0-9A-F]{2})H/).each { m -> set << Integer.parseInt(m[1], 16) }
            }
        }
        set
    }

    def "the seed's list names the 15 groups it describes"() {
        expect: 'spot checks of the parse itself, from the seed text'
        notBoostable.containsAll([0x0f, 0x70, 0x7f, 0x9a, 0x9c, 0xcc, 0xce, 0xe8, 0xf4, 0xfe, 0xff])
        !notBoostable.contains(0x9b)
        notBoostable.size() == 1 + 16 + 2 + 2 + 2 + 3 + 4 + 1 + 8 + 4 + 1 + 4 + 1 + 2 + 2
    }

    def "opcode 0x#hex is #verdict"() {
        expect:
        BoostTable2006.canBoost(op) == !notBoostable.contains(op)

        where:
        op << (0..255)
        hex = String.format('%02x', op)
        verdict = parseSeedList().contains(op) ? 'not boostable' : 'boostable'
    }
}
