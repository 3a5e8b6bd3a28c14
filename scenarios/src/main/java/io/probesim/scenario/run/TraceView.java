package io.probesim.scenario.run;

import io.probesim.sim.Time;
import io.probesim.sim.Violation;
import io.probesim.sim.log.Event;
import io.probesim.sim.log.Field;
import io.probesim.x86.decode.Decoder;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.format.AttFormatter;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.SimCpu;
import io.probesim.x86.mem.Memory;

import java.util.List;

/**
 * Renders the end of a run as a trace with one column per CPU (as lincheck does per thread):
 * the last events before the violation, each ip named by symbol and disassembled from the
 * scenario's original text, then the last instructions each CPU executed.
 */
public final class TraceView {

    private static final int COLUMN = 54;

    private final Kernel kernel;
    private final Memory pristine;

    public TraceView(Kernel kernel, Memory pristine) {
        this.kernel = kernel;
        this.pristine = pristine;
    }

    public String render(List<Event> events, Violation violation, int lastN) {
        int cpus = kernel.cpuCount();
        int end = violation == null ? events.size() : (int) Math.min(events.size(), violation.eventSeq() + 1);
        int start = Math.max(0, end - lastN);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("  %-12s", "time"));
        for (int c = 0; c < cpus; c++) sb.append(" | ").append(pad("cpu" + c));
        sb.append('\n').append("  ").append("-".repeat(12 + cpus * (COLUMN + 3))).append('\n');
        for (int i = start; i < end; i++) {
            Event e = events.get(i);
            List<String> cell = wrap(describe(e));
            for (int line = 0; line < cell.size(); line++) {
                sb.append(String.format("  %-12s", line == 0 ? Time.format(e.time()) : ""));
                for (int c = 0; c < cpus; c++) {
                    sb.append(" | ").append(pad(c == e.cpu() ? cell.get(line) : ""));
                }
                sb.append('\n');
            }
        }
        sb.append("\n  last x86 instructions executed:\n");
        for (int c = 0; c < cpus; c++) {
            SimCpu sc = kernel.cpu(c);
            sb.append("  cpu").append(c).append(" (now running ").append(sc.current()).append("):\n");
            var recent = sc.recentInstructions();
            if (recent.isEmpty()) sb.append("    none (only host tasks ran here)\n");
            for (SimCpu.ExecutedInstruction x : recent) {
                String text = x.instruction() == null ? "?" : AttFormatter.format(x.instruction()).trim();
                sb.append(String.format("    %-12s %-8s 0x%x <%s>  %s%n", Time.format(x.time()), x.task(), x.ip(),
                        kernel.symbols().describe(x.ip()), text));
            }
        }
        return sb.toString();
    }

    private String describe(Event e) {
        StringBuilder sb = new StringBuilder(e.task()).append(": ").append(e.kind());
        for (Field f : e.fields()) {
            sb.append(' ').append(f.key()).append('=');
            if (f.key().equals("ip") || f.key().equals("addr")) {
                sb.append(where(f.value()));
            } else {
                sb.append(f.value());
            }
        }
        return sb.toString();
    }

    private String where(String hex) {
        long ip;
        try {
            ip = Long.parseUnsignedLong(hex.startsWith("0x") ? hex.substring(2) : hex, 16);
        } catch (NumberFormatException ex) {
            return hex;
        }
        String name = kernel.symbols().describe(ip);
        if (!pristine.isMapped(ip)) return name;
        try {
            var insn = Decoder.decode(a -> pristine.read8(a), ip, Mode.BITS64);
            return name + " <" + AttFormatter.format(insn).trim().replaceAll("\\s+", " ") + ">";
        } catch (RuntimeException ex) {
            return name;
        }
    }

    /** A cell's text cut into column-wide lines at spaces (long words are split), continuation lines indented. */
    private static List<String> wrap(String text) {
        List<String> lines = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            while (word.length() > COLUMN - 2) {
                if (line.length() > 0) {
                    lines.add(line.toString());
                    line.setLength(0);
                    line.append("  ");
                }
                int room = COLUMN - line.length();
                lines.add(line + word.substring(0, room));
                line.setLength(0);
                line.append("  ");
                word = word.substring(room);
            }
            if (line.length() > 0 && line.length() + 1 + word.length() > COLUMN) {
                lines.add(line.toString());
                line.setLength(0);
                line.append("  ");
            }
            if (line.length() > 0 && !line.toString().isBlank()) line.append(' ');
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    private static String pad(String s) {
        return s + " ".repeat(Math.max(0, COLUMN - s.length()));
    }
}
