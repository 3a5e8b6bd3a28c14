package io.probesim.x86.exec;

import java.util.List;

/**
 * How to run a program: on a machine of `cpus` CPUs (the program runs on CPU 0, the others
 * idle), stopping after `maxInstructions` instructions over all CPUs (0: no limit), with
 * `argv` (argv[0] first) and `envp`. `batching` off steps the engine once per instruction (the
 * same run, slower: for checking that batches change nothing).
 */
public record ExecOptions(int cpus, long maxInstructions, List<String> argv, List<String> envp, boolean batching) {
    public ExecOptions {
        if (cpus < 1 || cpus > 64) throw new IllegalArgumentException("cpus must be 1..64, was " + cpus);
        if (maxInstructions < 0) throw new IllegalArgumentException("max instructions must not be negative, was " + maxInstructions);
        argv = List.copyOf(argv);
        envp = List.copyOf(envp);
    }

    public ExecOptions(int cpus, long maxInstructions, List<String> argv, List<String> envp) {
        this(cpus, maxInstructions, argv, envp, true);
    }
}
