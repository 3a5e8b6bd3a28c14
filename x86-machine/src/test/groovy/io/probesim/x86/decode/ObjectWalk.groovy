package io.probesim.x86.decode

import io.probesim.x86.format.AttFormatter

import java.nio.file.Path

/**
 * Walks every function symbol of a relocatable object from its first byte with our decoder and compares each
 * instruction (address, length, text) with objdump -d of the same object; sections without function symbols
 * (.fixup) are walked whole.
 */
class ObjectWalk {
    int functions
    int instructions
    List<String> differences = []

    static ObjectWalk of(Path obj, Mode mode, List<String> codeSections, List<String> wholeSections = []) {
        def w = new ObjectWalk()
        def objdump = GnuTools.disassembleSections(obj, codeSections + wholeSections)
        List<List> ranges = []
        GnuTools.functions(obj).each { name, f -> if (f[0] in codeSections) ranges << [name, f[0], f[1], f[1] + f[2]] }
        wholeSections.each { s -> ranges << [s, s, 0L, (long) GnuTools.sectionBytes(obj, s).length] }
        Map<String, byte[]> bytes = [:]
        ranges.each { name, String section, long start, long end ->
            byte[] code = bytes.computeIfAbsent(section) { GnuTools.sectionBytes(obj, section) }
            def theirs = (objdump[section] ?: []).findAll { it.address >= start && it.address < end }
            List<List> ours = []
            long at = start
            while (at < end) {
                try {
                    Instruction i = Decoder.decode(code, (int) at, at, mode)
                    ours << [at, i.length(), AttFormatter.format(i)]
                    at += i.length()
                } catch (DecodeException e) {
                    ours << [at, 1, '(bad) ' + e.reason()]
                    at++
                }
            }
            w.functions++
            w.instructions += ours.size()
            for (int k = 0; k < Math.max(ours.size(), theirs.size()); k++) {
                def o = k < ours.size() ? ours[k] : null
                def t = k < theirs.size() ? theirs[k] : null
                if (o == null || t == null || o[0] != t.address || o[1] != t.bytes.length || o[2] != t.text)
                    w.differences << "$obj.fileName $name: ours $o objdump ${t == null ? null : [t.address, t.bytes.length, t.text]}".toString()
            }
        }
        w
    }
}
