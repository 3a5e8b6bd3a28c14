package io.probesim.sim.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * The append-only record of a run. Every event has a canonical encoding
 * <pre>seq|time|cpu|task|kind|k=v;k=v\n</pre>
 * (UTF-8, numbers in decimal, fields in append order) fed to a running SHA-256 as it is
 * appended, so {@link #sha256()} is cheap and identical on every JDK and machine. Text parts
 * are escaped so a line always parses back: {@code \} as {@code \\}, newline as {@code \n},
 * carriage return as {@code \r}, {@code |} as {@code \p}, {@code ;} as {@code \s}, {@code =} as
 * {@code \e}. Text without those characters is encoded as is.
 *
 * <p>On disk: a line {@code probesim-log v1}, the canonical lines, then {@code sha256 <hex>}
 * (the same hex as {@link #sha256()}).
 */
public final class EventLog {
    public static final String MAGIC = "probesim-log";
    public static final int VERSION = 1;

    private final List<Event> events = new ArrayList<>();
    private final List<Event> view = Collections.unmodifiableList(events);
    private final List<EventListener> listeners = new ArrayList<>();
    private final MessageDigest digest = newDigest();
    private final StringBuilder line = new StringBuilder(128);

    public EventLog() {}

    /**
     * Appends an event; keyValues are k1, v1, k2, v2 ... with values rendered by String.valueOf
     * (callers format numbers the way they want them read). Listeners run after the append.
     */
    public Event append(long time, int cpu, String task, String kind, Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("keyValues must come in pairs, got " + keyValues.length + " items");
        }
        List<Field> fields = new ArrayList<>(keyValues.length / 2);
        for (int i = 0; i < keyValues.length; i += 2) {
            fields.add(new Field(String.valueOf(keyValues[i]), String.valueOf(keyValues[i + 1])));
        }
        return add(new Event(events.size(), time, cpu, task, kind, fields));
    }

    private Event add(Event e) {
        if (e.kind() == null || e.kind().isEmpty()) {
            throw new IllegalArgumentException("event kind must not be empty");
        }
        line.setLength(0);
        canonical(e, line);
        digest.update(line.toString().getBytes(StandardCharsets.UTF_8));
        events.add(e);
        // Index loop: a listener may append (a violation event) or add listeners while we iterate.
        for (int i = 0; i < listeners.size(); i++) {
            listeners.get(i).onEvent(e);
        }
        return e;
    }

    public void addListener(EventListener l) {
        listeners.add(l);
    }

    /** Read-only view, in order. */
    public List<Event> events() {
        return view;
    }

    public int size() {
        return events.size();
    }

    /** Lower-case hex SHA-256 over the canonical lines of all events so far; later appends are unaffected. */
    public String sha256() {
        try {
            MessageDigest copy = (MessageDigest) digest.clone();
            return HexFormat.of().formatHex(copy.digest());
        } catch (CloneNotSupportedException e) {
            // Every JDK's SHA-256 is cloneable; if one were not, recompute from the events.
            MessageDigest md = newDigest();
            StringBuilder sb = new StringBuilder();
            for (Event ev : events) {
                sb.setLength(0);
                canonical(ev, sb);
                md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        }
    }

    /** The canonical line of an event, with its trailing newline. */
    public static String canonicalLine(Event e) {
        StringBuilder sb = new StringBuilder(64);
        canonical(e, sb);
        return sb.toString();
    }

    private static void canonical(Event e, StringBuilder sb) {
        sb.append(e.seq()).append('|').append(e.time()).append('|').append(e.cpu()).append('|');
        escape(e.task(), sb);
        sb.append('|');
        escape(e.kind(), sb);
        sb.append('|');
        List<Field> fs = e.fields();
        for (int i = 0; i < fs.size(); i++) {
            if (i > 0) {
                sb.append(';');
            }
            escape(fs.get(i).key(), sb);
            sb.append('=');
            escape(fs.get(i).value(), sb);
        }
        sb.append('\n');
    }

    private static void escape(String s, StringBuilder sb) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '|' -> sb.append("\\p");
                case ';' -> sb.append("\\s");
                case '=' -> sb.append("\\e");
                default -> sb.append(c);
            }
        }
    }

    /** Writes the v1 file atomically: a temp file in the same directory, then a rename over the target. */
    public void write(Path file) {
        StringBuilder sb = new StringBuilder(64 + events.size() * 48);
        sb.append(MAGIC).append(" v").append(VERSION).append('\n');
        for (Event e : events) {
            canonical(e, sb);
        }
        sb.append("sha256 ").append(sha256()).append('\n');
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write event log " + file + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one worth reporting
                }
            }
        }
    }

    /** Reads a file written by {@link #write}; refuses a foreign, newer or damaged file with a LogFormatException. */
    public static EventLog read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read event log " + file + ": " + e.getMessage(), e);
        }
        return parse(bytes);
    }

    /** Parses the bytes of a log file (see {@link #read}). */
    public static EventLog parse(byte[] bytes) {
        int headerEnd = indexOf(bytes, 0);
        String header = headerEnd < 0 ? "" : new String(bytes, 0, headerEnd, StandardCharsets.UTF_8);
        if (!header.startsWith(MAGIC + " v")) {
            throw new LogFormatException("not a probesim event log");
        }
        String version = header.substring(MAGIC.length() + 2);
        if (!version.equals(Integer.toString(VERSION))) {
            throw new LogFormatException("unsupported log version " + version);
        }
        MessageDigest md = newDigest();
        List<String> lines = new ArrayList<>();
        String trailer = null;
        int pos = headerEnd + 1;
        while (pos < bytes.length) {
            int end = indexOf(bytes, pos);
            if (end < 0) {
                throw new LogFormatException("event log damaged: truncated last line");
            }
            String text = new String(bytes, pos, end - pos, StandardCharsets.UTF_8);
            if (text.startsWith("sha256 ")) {
                trailer = text.substring(7);
                if (end + 1 != bytes.length) {
                    throw new LogFormatException("event log damaged: data after the checksum line");
                }
            } else {
                md.update(bytes, pos, end - pos + 1);
                lines.add(text);
            }
            pos = end + 1;
        }
        if (trailer == null) {
            throw new LogFormatException("event log damaged: missing checksum line (truncated file?)");
        }
        if (!trailer.equals(HexFormat.of().formatHex(md.digest()))) {
            throw new LogFormatException("event log damaged: checksum mismatch");
        }
        EventLog log = new EventLog();
        for (int i = 0; i < lines.size(); i++) {
            Event e = parseLine(lines.get(i), i + 2);
            if (e.seq() != i) {
                throw new LogFormatException("event log damaged: line " + (i + 2) + ": seq " + e.seq() + ", expected " + i);
            }
            log.add(e);
        }
        return log;
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static Event parseLine(String s, int lineNo) {
        String[] parts = s.split("\\|", -1);
        if (parts.length != 6) {
            throw new LogFormatException("event log damaged: line " + lineNo + ": expected 6 '|'-separated parts, got " + parts.length);
        }
        try {
            long seq = Long.parseLong(parts[0]);
            long time = Long.parseLong(parts[1]);
            int cpu = Integer.parseInt(parts[2]);
            List<Field> fields = new ArrayList<>();
            if (!parts[5].isEmpty()) {
                for (String kv : parts[5].split(";", -1)) {
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new LogFormatException("event log damaged: line " + lineNo + ": bad field '" + kv + "'");
                    }
                    fields.add(new Field(unescape(kv.substring(0, eq), lineNo), unescape(kv.substring(eq + 1), lineNo)));
                }
            }
            return new Event(seq, time, cpu, unescape(parts[3], lineNo), unescape(parts[4], lineNo), fields);
        } catch (NumberFormatException e) {
            throw new LogFormatException("event log damaged: line " + lineNo + ": " + e.getMessage(), e);
        }
    }

    private static String unescape(String s, int lineNo) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (++i == s.length()) {
                throw new LogFormatException("event log damaged: line " + lineNo + ": dangling escape");
            }
            switch (s.charAt(i)) {
                case '\\' -> sb.append('\\');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 'p' -> sb.append('|');
                case 's' -> sb.append(';');
                case 'e' -> sb.append('=');
                default -> throw new LogFormatException("event log damaged: line " + lineNo + ": unknown escape \\" + s.charAt(i));
            }
        }
        return sb.toString();
    }

    /**
     * CSV (RFC 4180: CRLF line ends, a cell quoted when it holds a comma, quote, CR or LF,
     * quotes doubled). Header {@code seq,time_ps,cpu,task,kind,fields}; the fields column is
     * {@code k=v;k=v} with the raw values.
     */
    public void writeCsv(Writer out) {
        try {
            out.write("seq,time_ps,cpu,task,kind,fields\r\n");
            StringBuilder sb = new StringBuilder();
            for (Event e : events) {
                sb.setLength(0);
                sb.append(e.seq()).append(',').append(e.time()).append(',').append(e.cpu()).append(',');
                csvCell(e.task(), sb);
                sb.append(',');
                csvCell(e.kind(), sb);
                sb.append(',');
                StringBuilder fs = new StringBuilder();
                for (int i = 0; i < e.fields().size(); i++) {
                    if (i > 0) {
                        fs.append(';');
                    }
                    fs.append(e.fields().get(i).key()).append('=').append(e.fields().get(i).value());
                }
                csvCell(fs.toString(), sb);
                sb.append("\r\n");
                out.write(sb.toString());
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write CSV: " + e.getMessage(), e);
        }
    }

    static void csvCell(String s, StringBuilder sb) {
        boolean quote = false;
        for (int i = 0; i < s.length() && !quote; i++) {
            char c = s.charAt(i);
            quote = c == ',' || c == '"' || c == '\r' || c == '\n';
        }
        if (!quote) {
            sb.append(s);
            return;
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                sb.append('"');
            }
            sb.append(c);
        }
        sb.append('"');
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }
}
