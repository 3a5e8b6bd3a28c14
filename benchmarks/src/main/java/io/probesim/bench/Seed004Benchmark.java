package io.probesim.bench;

import io.probesim.x86.exec.ExecOptions;
import io.probesim.x86.exec.ExecResult;
import io.probesim.x86.exec.ProgramRunner;
import io.probesim.x86.kernel.ConsoleBuffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Seed 004's loop as `probesim exec` runs it: the committed static binary on a fresh one-CPU
 * machine (kernel model, timer ticks, system calls), from its first instruction to exit. One
 * operation = one instruction: the x86-64 binary executes the 10,000,430 instructions
 * Seed004CountSpec derives from its disassembly, which each invocation checks.
 * Run from the repository root, or point -Dprobesim.fixtures at the fixtures directory.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class Seed004Benchmark {

    private static final long INSTRUCTIONS = 10_000_430L;

    private byte[] program;

    @Setup
    public void load() {
        Path file = Path.of(System.getProperty("probesim.fixtures", "fixtures"), "seed004", "test-loop-x86_64");
        try {
            program = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.toAbsolutePath()
                    + " (run from the repository root or set -Dprobesim.fixtures)", e);
        }
    }

    @Benchmark
    @OperationsPerInvocation(10_000_430)
    public long exec() {
        ExecResult r = ProgramRunner.run(program, "test-loop-x86_64",
                new ExecOptions(1, 0, List.of("test-loop"), List.of()), new ConsoleBuffer());
        if (r.instructions() != INSTRUCTIONS || r.outcome() != ExecResult.Outcome.EXITED) {
            throw new IllegalStateException("unexpected run: " + r.outcome() + ", " + r.instructions() + " instructions");
        }
        return r.simulatedNs();
    }
}
