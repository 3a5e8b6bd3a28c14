package io.probesim.cli;

import io.probesim.x86.elf.ElfLoadException;
import io.probesim.x86.exec.ExecOptions;
import io.probesim.x86.exec.ExecResult;
import io.probesim.x86.exec.ProgramRunner;
import io.probesim.x86.kernel.Console;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code probesim exec PROGRAM [--cpus N] [--max-insns N] [--env NAME=VALUE]... [-- ARG...]}: runs a
 * static x86-64 or i386 Linux program on a simulated machine (64- or 32-bit after the program),
 * forwards what it writes to fd 1 and 2 to our stdout and stderr, and ends stdout with
 * {@code instructions: N  simulated-ns: T  wall-ms: W  mips: M}. Wall time is measured here
 * only, for that line; the simulation never reads it.
 *
 * <p>Exit status: 0 when the simulation ran to its end (the program exited with any status, a
 * fault killed it, or --max-insns stopped it; anything but a zero exit status is said on
 * stderr), 1 when the kernel model oopsed (the no-oops invariant), 2 for wrong arguments or a
 * file that is missing, unreadable or not a static x86 ELF executable, 3 for an internal error.
 * The program's own status is not propagated: 1, 2 and 3 would be ambiguous with ours.
 */
@Command(name = "exec", mixinStandardHelpOptions = true,
        description = "Run a static x86-64 or i386 Linux program on the simulated machine; ends with the instruction count.")
final class ExecCommand implements Callable<Integer> {

    @ParentCommand ProbesimCli cli;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PROGRAM", description = "a static, non-PIE ELF executable (x86-64 or i386)")
    Path program;

    @Parameters(index = "1..*", paramLabel = "ARG", description = "arguments for the program (after --)")
    List<String> args = new ArrayList<>();

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "1", description = "CPUs of the machine (default: 1); the program runs on CPU 0")
    int cpus;

    @Option(names = "--max-insns", paramLabel = "N", description = "stop after N instructions (default: run until the program exits)")
    Long maxInsns;

    @Option(names = "--env", paramLabel = "NAME=VALUE", description = "an environment variable of the program (repeatable; default: none)")
    List<String> env = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (cpus < 1 || cpus > 64) return usage(err, "--cpus must be 1..64, not " + cpus);
        if (maxInsns != null && maxInsns < 1) return usage(err, "--max-insns must be at least 1, not " + maxInsns);
        for (String e : env) {
            if (e.indexOf('=') <= 0) return usage(err, "--env '" + e + "' is not NAME=VALUE");
        }
        if (!Files.isRegularFile(program)) return usage(err, program + (Files.exists(program) ? ": not a regular file" : ": no such file"));
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(program);
        } catch (IOException e) {
            return usage(err, program + ": cannot be read (" + e.getMessage() + ")");
        }
        String name = program.toString();
        List<String> argv = new ArrayList<>();
        argv.add(name);
        argv.addAll(args);
        ExecOptions options = new ExecOptions(cpus, maxInsns == null ? 0 : maxInsns, argv, env);

        out.flush();
        err.flush();
        Console console = (task, fd, data) -> {
            PrintStream to = fd == 2 ? cli.rawErr : cli.rawOut;
            to.write(data, 0, data.length);
            to.flush();
        };
        ExecResult r;
        long start = System.nanoTime();
        try {
            ProgramRunner.modeOf(bytes, name);
            r = ProgramRunner.run(bytes, name, options, console);
        } catch (ElfLoadException e) {
            return usage(err, e.getMessage());
        }
        long wallNs = System.nanoTime() - start;

        switch (r.outcome()) {
            case EXITED -> {
                if (r.exitStatus() != 0) err.println("probesim exec: " + name + " exited with status " + r.exitStatus());
            }
            case KILLED, INSTRUCTION_LIMIT -> err.println("probesim exec: " + r.message());
            case OOPS -> err.println("VIOLATION: no-oops: " + r.message());
        }
        err.flush();
        double mips = wallNs == 0 ? 0 : r.instructions() * 1000.0 / wallNs;
        out.printf(Locale.ROOT, "instructions: %d  simulated-ns: %d  wall-ms: %d  mips: %.1f%n",
                r.instructions(), r.simulatedNs(), wallNs / 1_000_000, mips);
        out.flush();
        return r.outcome() == ExecResult.Outcome.OOPS ? ProbesimCli.VIOLATION : ProbesimCli.OK;
    }

    private static int usage(PrintWriter err, String message) {
        err.println("probesim exec: " + message);
        err.flush();
        return ProbesimCli.USAGE;
    }
}
