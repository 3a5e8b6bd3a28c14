package io.probesim.x86.kernel;

/**
 * Where user programs' writes to fd 1 (stdout) and 2 (stderr) go: the machine's console. The
 * default, {@link ConsoleBuffer}, keeps them for the caller to read; `probesim exec` forwards
 * them to its own stdout and stderr as they happen.
 */
@FunctionalInterface
public interface Console {
    void write(Task task, int fd, byte[] bytes);
}
