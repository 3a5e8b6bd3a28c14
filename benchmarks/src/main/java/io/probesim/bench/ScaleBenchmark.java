package io.probesim.bench;

import io.probesim.report.measure.ScaleRun;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scale target (DESIGN.md): 10,000 kprobes registered and all optimized on one machine in
 * < 2 s, heap < 256 MB. One operation = build the machine, assemble 10,000 functions, register
 * a kprobe on each, wait for the optimizer to write every jump, call each once. The heap used
 * after a run (after a GC, the run's result still reachable) is printed at the end of each
 * iteration; run with -prof gc for allocation rates.
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

    private ScaleRun.Result last;

    @Benchmark
    public ScaleRun.Result registerAndOptimize() {
        last = ScaleRun.run(probes);
        if (last.optimized() != probes) throw new IllegalStateException("only " + last.optimized() + " optimized");
        return last;
    }

    @TearDown(Level.Iteration)
    public void heap() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        System.out.printf("%n[scale] %s; heap used after GC %.1f MB (max %.0f MB)%n", last,
                (rt.totalMemory() - rt.freeMemory()) / 1048576.0, rt.maxMemory() / 1048576.0);
    }
}
