package io.probesim.bench;

import io.probesim.report.measure.ScaleRun;
import io.probesim.x86.asm.Assembly;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scale target (DESIGN.md): 10,000 kprobes registered and all optimized on one machine in
 * < 2 s, heap < 256 MB. One operation = build the machine (the 10,000 probed functions are
 * assembled once in {@code @Setup}: that is the kernel's text, not probe work), register a kprobe
 * on each, wait for the optimizer to write every jump, call 100 of the functions once.
 *
 * <p>Heap: the fork runs with -Xmx256m, so a run that needed more would fail; after each
 * iteration one more run, untimed, measures the heap used after a full GC while its whole
 * machine (10,000 probes, their slots, detour buffers, the event log) is still reachable, and
 * prints it with the run's result. Run with -prof gc for allocation rates.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgs = {"-Xmx256m"})
@State(Scope.Benchmark)
public class ScaleBenchmark {

    @Param({"10000"})
    public int probes;

    private Assembly text;

    @Setup(Level.Trial)
    public void assemble() {
        text = ScaleRun.assemble(probes);
    }

    @Benchmark
    public ScaleRun.Result registerAndOptimize() {
        ScaleRun.Result r = ScaleRun.run(text, probes, ScaleRun.defaultStride(probes));
        if (r.optimized() != probes) throw new IllegalStateException("only " + r.optimized() + " optimized");
        return r;
    }

    @TearDown(Level.Iteration)
    public void heap() {
        Runtime rt = Runtime.getRuntime();
        long[] used = {0};
        ScaleRun.Result r = ScaleRun.run(text, probes, ScaleRun.defaultStride(probes), () -> {
            System.gc();
            used[0] = rt.totalMemory() - rt.freeMemory();
        });
        System.out.printf("%n[scale] %s%n[scale] heap used after GC with the machine live: %.1f MB (max %.0f MB)%n", r,
                used[0] / 1048576.0, rt.maxMemory() / 1048576.0);
    }
}
