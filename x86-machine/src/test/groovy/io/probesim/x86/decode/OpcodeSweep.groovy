package io.probesim.x86.decode

import groovy.transform.CompileStatic

/**
 * Systematic encodings of every opcode of every map, each in a 40-byte slot of its own (the instruction, filler for
 * displacements and immediates, then NOPs that let objdump resynchronise before the next slot): legacy maps with
 * prefixes and ModRM shapes, every ModRM byte of the group and x87 opcodes, VEX (every map, pp, L, W), EVEX (every map,
 * pp, L'L, W, with and without EVEX.b), XOP and 3DNow!.
 */
class OpcodeSweep {
    static final int SLOT = 40
    static final String FILL = '5566778899aabbccddee0102030405'

    static class Case {
        String label
        byte[] bytes
    }

    static byte[] hx(String s) { HexFormat.of().parseHex(s) }

    /** The encodings of one sweep; stride > 1 keeps a seeded 1-in-stride sample (decided before any is built). */
    @CompileStatic
    static List<Case> cases(String kind, Mode mode, int stride = 1, long seed = 0) {
        List<Case> out = new ArrayList<>()
        boolean m64 = mode == Mode.BITS64
        Random rnd = new Random(seed)
        Closure add = { String label, String hex ->
            if (stride == 1 || rnd.nextInt(stride) == 0) out.add(new Case(label: label, bytes: hx(hex + FILL)))
        }
        switch (kind) {
            case 'legacy':
                List<String> pfx = m64 ? ['', '66', 'f3', 'f2', '66f3', 'f366', '48', '6648', 'f348', 'f248', '67'] : ['', '66', 'f3', 'f2', '66f3', '67']
                Set<Integer> skip = [0x0f, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0xc4, 0xc5, 0x62, 0x8f] as Set<Integer>
                if (m64) for (int b = 0x40; b <= 0x4f; b++) skip.add(b)
                for (String p : pfx) for (String esc : ['', '0f', '0f38', '0f3a']) for (int op = 0; op < 256; op++) {
                    if (esc == '' && skip.contains(op)) continue
                    if (esc == '0f' && (op == 0x38 || op == 0x3a)) continue
                    for (int reg = 0; reg < 8; reg++)
                        for (String mr : [String.format('%02x', reg << 3), String.format('%02x', 0xc1 | reg << 3), String.format('%02x2411', 0x44 | reg << 3)])
                            add.call("legacy $p $esc ${String.format('%02x', op)} /$reg ${mr.length() > 2 ? 'sib' : mr >= 'c0' ? 'reg' : 'mem'}".toString(), p + esc + String.format('%02x', op) + mr)
                }
                break
            case 'modrm':
                for (String p : ['', '66', 'f3', 'f2'])
                    for (String o : ['d8', 'd9', 'da', 'db', 'dc', 'dd', 'de', 'df', '0f00', '0f01', '0f0d', '0f18', '0f1e', '0fae', '0fc7', '0fba', '0f71', '0f72', '0f73', 'c6', 'c7', '0f1a', '0f1b', '0f1c'])
                        for (int m = 0; m < 256; m++) add.call("modrm $p $o ${String.format('%02x', m)}".toString(), p + o + String.format('%02x', m))
                break
            case 'vex':
                for (int map = 1; map <= 3; map++) for (int pp = 0; pp < 4; pp++) for (int l = 0; l < 2; l++) for (int w = 0; w < 2; w++)
                    for (int op = 0; op < 256; op++) for (String mr : ['c1', '00', 'd1']) for (int vvvv : [15, 13])
                        add.call("vex m$map pp$pp L$l W$w ${String.format('%02x', op)} $mr v$vvvv".toString(),
                                String.format('c4%02x%02x%02x', 0xe0 | map, w << 7 | vvvv << 3 | l << 2 | pp, op) + mr)
                break
            case 'evex':
                for (int map : [1, 2, 3, 5, 6]) for (int pp = 0; pp < 4; pp++) for (int ll = 0; ll < 3; ll++) for (int w = 0; w < 2; w++)
                    for (int op = 0; op < 256; op++) for (String mr : ['c1', '00', '4001']) for (int b = 0; b < 2; b++) {
                        if (b == 1 && ll != 0 && mr != 'c1') continue
                        int p0 = 0xf0 | map
                        int p1 = w << 7 | 0x78 | 4 | pp
                        int p2 = ll << 5 | b << 4 | 0x08 | (mr == '00' ? 1 : 0)
                        add.call("evex m$map pp$pp LL$ll W$w ${String.format('%02x', op)} $mr b$b".toString(),
                                String.format('62%02x%02x%02x%02x', p0, p1, p2, op) + mr)
                    }
                break
            case 'xop':
                for (int map = 8; map <= 10; map++) for (int l = 0; l < 2; l++) for (int w = 0; w < 2; w++)
                    for (int op = 0; op < 256; op++) for (String mr : ['c1', '00', 'c8'])
                        add.call("xop m$map L$l W$w ${String.format('%02x', op)} $mr".toString(),
                                String.format('8f%02x%02x%02x', 0xe0 | map, w << 7 | 0x78 | l << 2, op) + mr)
                break
            case '3dnow':
                for (int s = 0; s < 256; s++) for (String mr : ['c1', '00', '4011'])
                    add.call("3dnow ${String.format('%02x', s)} $mr".toString(), '0f0f' + mr + String.format('%02x', s))
                break
            default:
                throw new IllegalArgumentException(kind)
        }
        out
    }

    /** The cases laid out in slots, and objdump's line at each slot start compared with ours. */
    @CompileStatic
    static ObjdumpDiff.Result run(List<Case> cases, Mode mode, String name) {
        byte[] buf = new byte[cases.size() * SLOT]
        Arrays.fill(buf, (byte) 0x90)
        for (int k = 0; k < cases.size(); k++)
            System.arraycopy(cases[k].bytes, 0, buf, k * SLOT, Math.min(cases[k].bytes.length, 24))
        List<GnuTools.Line> lines = GnuTools.disassembleRaw(buf, 0, mode, name).findAll { GnuTools.Line l -> l.address % SLOT == 0 }
        ObjdumpDiff.compare(buf, 0, lines, mode, true)
    }
}
