package io.probesim.x86.kernel;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A console that keeps what was written to fd 1 and fd 2, in order, for the caller to read. */
public final class ConsoleBuffer implements Console {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Override
    public void write(Task task, int fd, byte[] bytes) {
        (fd == 2 ? err : out).writeBytes(bytes);
    }

    public byte[] stdout() { return out.toByteArray(); }
    public byte[] stderr() { return err.toByteArray(); }
    public String stdoutText() { return out.toString(StandardCharsets.UTF_8); }
    public String stderrText() { return err.toString(StandardCharsets.UTF_8); }
}
