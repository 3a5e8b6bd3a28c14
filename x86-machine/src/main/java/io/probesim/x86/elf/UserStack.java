package io.probesim.x86.elf;

import io.probesim.x86.decode.Mode;
import io.probesim.x86.mem.Memory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The initial user stack of a new process as Linux's ELF loader builds it (System V ABI, "Process
 * Initialization"): from the top, an end marker, the file name, the environment and argument
 * strings, the platform string and the 16 AT_RANDOM bytes; below them, 16-byte aligned at the
 * stack pointer, argc, the argv pointers and a null, the envp pointers and a null, then the
 * auxiliary vector of (type, value) pairs ending with AT_NULL. Words are 8 bytes on x86-64 and 4
 * on i386. AT_RANDOM's bytes are fixed (0x00..0x0f) so runs are reproducible.
 */
final class UserStack {
    private UserStack() {}

    static final int AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
            AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16,
            AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_EXECFN = 31;
    /** cpuid leaf 1 edx of the modelled Xeon E5410 (Cpu.cpuid), which Linux passes as AT_HWCAP. */
    static final long HWCAP = 0xbfebfbffL;
    /** USER_HZ. */
    static final long CLOCK_TICKS = 100;

    /** Values the loader knows about the program. */
    record ProgramInfo(long phdr, long phent, long phnum, long entry) {}

    /** Writes the stack below `top` in `space` (mapped R|W) and returns the stack pointer at argc. */
    static long build(Memory space, Mode mode, long top, List<String> argv, List<String> envp, String execfn, ProgramInfo info) {
        int word = mode == Mode.BITS64 ? 8 : 4;
        long p = top - word;                                        // end marker (zero)
        long execfnAt = p = pushString(space, p, execfn);
        List<Long> envAt = new ArrayList<>();
        for (int i = envp.size() - 1; i >= 0; i--) envAt.add(0, p = pushString(space, p, envp.get(i)));
        List<Long> argAt = new ArrayList<>();
        for (int i = argv.size() - 1; i >= 0; i--) argAt.add(0, p = pushString(space, p, argv.get(i)));
        long platformAt = p = pushString(space, p, mode == Mode.BITS64 ? "x86_64" : "i686");
        p = (p - 16) & ~15L;
        long randomAt = p;
        for (int i = 0; i < 16; i++) space.write8(randomAt + i, i);

        long[][] aux = {
                {AT_HWCAP, HWCAP}, {AT_PAGESZ, Memory.PAGE_SIZE}, {AT_CLKTCK, CLOCK_TICKS}, {AT_PHDR, info.phdr()},
                {AT_PHENT, info.phent()}, {AT_PHNUM, info.phnum()}, {AT_BASE, 0}, {AT_FLAGS, 0}, {AT_ENTRY, info.entry()},
                {AT_UID, 0}, {AT_EUID, 0}, {AT_GID, 0}, {AT_EGID, 0}, {AT_SECURE, 0}, {AT_RANDOM, randomAt},
                {AT_EXECFN, execfnAt}, {AT_PLATFORM, platformAt}, {AT_NULL, 0}};
        long words = 1 + argv.size() + 1 + envp.size() + 1 + 2L * aux.length;
        long sp = (p - words * word) & ~15L;
        long at = sp;
        at = put(space, at, word, argv.size());
        for (long a : argAt) at = put(space, at, word, a);
        at = put(space, at, word, 0);
        for (long e : envAt) at = put(space, at, word, e);
        at = put(space, at, word, 0);
        for (long[] kv : aux) {
            at = put(space, at, word, kv[0]);
            at = put(space, at, word, kv[1]);
        }
        return sp;
    }

    private static long pushString(Memory space, long p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        long at = p - b.length - 1;
        space.write(at, b);
        space.write8(at + b.length, 0);
        return at;
    }

    private static long put(Memory space, long at, int word, long v) {
        if (word == 8) space.write64(at, v);
        else space.write32(at, (int) v);
        return at + word;
    }
}
