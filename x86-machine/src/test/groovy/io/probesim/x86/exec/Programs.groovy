package io.probesim.x86.exec

import io.probesim.x86.decode.Mode
import io.probesim.x86.elf.ElfTools
import io.probesim.x86.kernel.ConsoleBuffer

import java.nio.file.Files
import java.nio.file.Path

/** The specs' user programs (src/test/resources/programs), built by gcc at test time for either width, and run on our machine. */
class Programs {

    static final Map<String, Path> built = [:]

    static synchronized Path build(String name, Mode mode) {
        String key = "$name-${mode == Mode.BITS64 ? 64 : 32}"
        built.computeIfAbsent(key) {
            Path src = Path.of(Programs.getResource("/programs/${name}.c").toURI())
            List<String> flags = ['-O1', '-ffreestanding', '-nostdlib', '-static', '-fno-pie', '-no-pie', '-fno-stack-protector',
                                  '-fcf-protection=none', '-fno-asynchronous-unwind-tables', '-Wl,--build-id=none']
            if (mode == Mode.BITS32) flags = ['-m32'] + flags
            ElfTools.gcc(flags + ['-I', src.parent.toString(), src.toString()], key)
        }
    }

    /** Our run: the result and what the program wrote. */
    static class Ours {
        ExecResult result
        ConsoleBuffer console
    }

    static Ours run(Path exe, List<String> args = [], List<String> env = [], int cpus = 1, long maxInsns = 0, boolean batching = true) {
        def console = new ConsoleBuffer()
        def r = ProgramRunner.run(Files.readAllBytes(exe), exe.toString(),
                new ExecOptions(cpus, maxInsns, [exe.toString()] + args, env, batching), console)
        new Ours(result: r, console: console)
    }
}
