package io.probesim.x86.decode

import groovy.transform.CompileStatic
import io.probesim.x86.format.AttFormatter

import java.util.regex.Pattern

/**
 * Our decoder and formatter against GNU objdump's reading of the same bytes, instruction by instruction at objdump's
 * boundaries: each objdump instruction is decoded by us at its own address, so one disagreement never derails the
 * rest (that is the resynchronisation). A disagreement is either one of the documented {@link Known} classes, where we
 * deliberately follow the SDM and objdump does not, or unknown (a bug to fix).
 */
class ObjdumpDiff {
    /** How objdump marks an encoding it refuses: (bad), {bad}, {rn-bad}, %? (a segment register that does not exist). */
    static final Pattern OBJDUMP_INVALID = ~/\(bad\)|\{bad\}|-bad\}|%\?/
    static final Pattern LONE_REX = ~/(^|\s)rex(\.[WRXB]+)?$/
    static final Pattern EVEX_FIELD_REASON = ~/EVEX(\.W| vector length| register form| memory form|\.pp|\.b: no embedded broadcast| masking of a general-register destination).*/

    /** The documented classes of deliberate difference, each with the SDM's word. */
    enum Known {
        REX_NOT_LAST('objdump prints a REX prefix that does not immediately precede the opcode (a legacy prefix or ' +
                'another REX follows it) as an instruction of its own; the SDM (Vol. 2A 2.2.1, REX prefixes) says ' +
                'such a REX is ignored, so we decode the instruction it sits in'),
        FWAIT_FOLDED('objdump folds FWAIT (9B) into the x87 instruction after it (9B D9 /2 prints as fsts); the SDM ' +
                '(Vol. 2A, FWAIT/WAIT; FSTSW: "9B DD /7 = FWAIT + FNSTSW") makes 9B an instruction of its own'),
        EVEX_FIELD('objdump reads EVEX encodings whose W, L\'L, b, pp or mod bits the SDM instruction page does not ' +
                'list, or that mask a general-register destination (#UD per Vol. 2A 2.7 and the page\'s opcode lines); ' +
                'we refuse them and the DecodeException names the field'),
        EVEX_NOT_IN_SDM('objdump 2.40 decodes EVEX forms (map 2, opcodes 50/51, pp none/F3/F2) of the VEX-only ' +
                'AVX-VNNI-INT8 instructions; the SDM defines them for VEX only'),
        SWAPGS_32('objdump decodes swapgs outside 64-bit mode; the SDM (Vol. 2B, SWAPGS) makes it #UD there')

        final String why
        Known(String why) { this.why = why }
    }

    static class Result {
        int total, agree, bothInvalid, textTotal, textAgree
        Map<Known, List<String>> known = new EnumMap<>(Known)
        List<String> unknown = []
        List<String> textDiffs = []
        List<String> otherThrows = []

        int knownCount() { known.values().sum(0) { it.size() } as int }
        double agreement() { total == 0 ? 1 : agree / (double) total }
        double explained() { total == 0 ? 1 : (agree + knownCount()) / (double) total }
        double textIdentity() { textTotal == 0 ? 1 : textAgree / (double) textTotal }

        String summary(String what) {
            String.format('%s: %,d instructions, %,d agree with objdump (%.4f%%; %,d both refuse), %,d in documented ' +
                    'classes %s, %,d unexplained; text identical for %,d of %,d decoded by both (%.4f%%)',
                    what, total, agree, 100 * agreement(), bothInvalid, knownCount(),
                    known.collectEntries { k, v -> [k.name(), v.size()] }, unknown.size(), textAgree, textTotal, 100 * textIdentity())
        }
    }

    /**
     * Compares objdump's lines for code placed at origin with our reading; text: also compare the printed text
     * (objdump's "<symbol>" annotations normalised away by GnuTools).
     */
    @CompileStatic
    static Result compare(byte[] code, long origin, List<GnuTools.Line> lines, Mode mode, boolean text) {
        Result r = new Result()
        for (GnuTools.Line l : lines) {
            int off = (int) (l.address - origin)
            if (off < 0 || off + l.bytes.length > code.length) continue
            if (l.text.startsWith('.byte')) continue        // objdump ran out of bytes at the end of the buffer
            r.total++
            Instruction insn = null
            DecodeException refused = null
            try {
                insn = Decoder.decode(code, off, l.address, mode)
            } catch (DecodeException e) {
                refused = e
            } catch (RuntimeException e) {
                r.otherThrows.add("${hex(l.bytes)}: ${e}".toString())
                continue
            }
            String ours = null
            if (insn != null) {
                try {
                    ours = AttFormatter.format(insn)
                } catch (RuntimeException e) {
                    r.otherThrows.add("format ${hex(insn.bytes())}: ${e}".toString())
                    continue
                }
            }
            boolean objInvalid = OBJDUMP_INVALID.matcher(l.text).find()
            if (objInvalid && refused != null) { r.agree++; r.bothInvalid++; continue }
            if (!objInvalid && insn != null && insn.length() == l.bytes.length) {
                r.agree++
                if (text) {
                    r.textTotal++
                    if (ours == l.text) r.textAgree++
                    else r.textDiffs.add("${Long.toHexString(l.address)}  ${hex(l.bytes)}\n    objdump: ${l.text}\n    ours:    ${ours}".toString())
                }
                continue
            }
            Known k = classify(l, code, off, mode, insn, refused)
            String line = "${Long.toHexString(l.address)}  ${hex(l.bytes)}  objdump: '${l.text}'  ours: " +
                    (insn != null ? "'${ours}' (${insn.length()} bytes)" : "DecodeException: ${refused.reason()}")
            if (k != null) {
                if (!r.known.containsKey(k)) r.known.put(k, new ArrayList<String>())
                r.known.get(k).add(line.toString())
            } else r.unknown.add(line.toString())
        }
        r
    }

    static boolean isLegacyPrefix(int b, Mode mode) {
        b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e
                || b == 0x64 || b == 0x65 || mode == Mode.BITS64 && (b & 0xf0) == 0x40
    }

    /** Which documented class a disagreement belongs to, or null. */
    @CompileStatic
    static Known classify(GnuTools.Line l, byte[] code, int off, Mode mode, Instruction insn, DecodeException refused) {
        if (LONE_REX.matcher(l.text).find()) return Known.REX_NOT_LAST
        int k = 0
        while (k < l.bytes.length && isLegacyPrefix(l.bytes[k] & 0xff, mode)) k++
        if (k >= l.bytes.length) return null
        int op = l.bytes[k] & 0xff
        if (op == 0x9b && l.bytes.length > k + 1 && insn != null && insn.mnemonic() == Mnemonic.FWAIT) return Known.FWAIT_FOLDED
        boolean evex = op == 0x62 && l.bytes.length > k + 5 && (mode == Mode.BITS64 || (l.bytes[k + 1] & 0xc0) == 0xc0)
        if (evex && refused != null) {
            String why = refused.reason()
            if (EVEX_FIELD_REASON.matcher(why).matches()) return Known.EVEX_FIELD
            int map = l.bytes[k + 1] & 7, pp = l.bytes[k + 2] & 3, opcode = l.bytes[k + 4] & 0xff
            if (map == 2 && (opcode == 0x50 || opcode == 0x51) && pp != 1 && why == 'invalid opcode') return Known.EVEX_NOT_IN_SDM
        }
        if (mode == Mode.BITS32 && refused != null && l.text.contains('swapgs')) return Known.SWAPGS_32
        null
    }

    static String hex(byte[] b) { HexFormat.ofDelimiter(' ').formatHex(b) }
}
