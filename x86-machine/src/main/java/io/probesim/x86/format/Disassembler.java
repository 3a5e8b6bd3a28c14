package io.probesim.x86.format;

import io.probesim.x86.decode.DecodeException;
import io.probesim.x86.decode.Decoder;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Mode;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/** Walks bytes at an origin: one line per instruction, "address<TAB>length<TAB>hex bytes<TAB>text"; (bad) skips a byte. */
public final class Disassembler {
    private Disassembler() {}

    public static List<String> lines(byte[] code, long origin, Mode mode) {
        List<String> out = new ArrayList<>();
        forEachLine(code, origin, mode, out::add);
        return out;
    }

    /** As {@link #lines}, one line at a time (for large inputs). */
    public static void forEachLine(byte[] code, long origin, Mode mode, Consumer<String> out) {
        HexFormat hex = HexFormat.ofDelimiter(" ");
        int off = 0;
        while (off < code.length) {
            long addr = origin + off;
            String text;
            int len;
            try {
                Instruction i = Decoder.decode(code, off, addr, mode);
                len = i.length();
                text = AttFormatter.format(i);
            } catch (DecodeException e) {
                len = 1;
                text = "(bad)";
            }
            out.accept(String.format("%x\t%d\t%s\t%s", addr, len, hex.formatHex(code, off, off + len), text));
            off += len;
        }
    }

    public static String text(byte[] code, long origin, Mode mode) {
        return String.join("\n", lines(code, origin, mode)) + "\n";
    }
}
