package io.probesim.x86.exec;

import io.probesim.sim.Simulation;
import io.probesim.sim.Violations;
import io.probesim.sim.log.EventLog;
import io.probesim.sim.strategy.Builtins;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.elf.ExecutableLoader;
import io.probesim.x86.elf.ProgramImage;
import io.probesim.x86.kernel.Console;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.KernelConfig;
import io.probesim.x86.kernel.Task;
import io.probesim.x86.mem.Memory;

import java.util.Set;

/**
 * Runs one static user program on a fresh machine, as `probesim exec` does: a 64-bit or 32-bit
 * machine after the program's ELF class, the scenarios' default machine otherwise (1 kHz tick,
 * CONFIG_PREEMPT, 2.33 GHz), the default schedule (every choice 0: no perturbation) and
 * batched execution ({@link Kernel#setBatching}), which gives the same run as instruction-by-
 * instruction stepping under that schedule. The program runs on CPU 0 until it exits, a fault
 * kills it, the kernel oopses or the instruction limit is reached.
 */
public final class ProgramRunner {
    private ProgramRunner() {}

    public static final int TICK_HZ = 1000;
    public static final int CLOCK_MHZ = 2330;

    /** The machine mode a program needs (from its ELF header); an ElfLoadException when it is not one we run. */
    public static Mode modeOf(byte[] program, String name) {
        return ExecutableLoader.mode(program, name);
    }

    public static ExecResult run(byte[] program, String name, ExecOptions options, Console console) {
        Mode mode = modeOf(program, name);
        EventLog log = new EventLog();
        Simulation sim = new Simulation(Builtins.replay(new int[0]), log, 0);
        Violations violations = new Violations(sim, Set.of("no-oops"));
        Kernel kernel = new Kernel(new KernelConfig(options.cpus(), true, TICK_HZ, 1, CLOCK_MHZ, mode), sim, new Memory(), violations);
        kernel.setConsole(console);
        kernel.setBatching(options.batching());
        if (options.maxInstructions() > 0) kernel.setInstructionLimit(options.maxInstructions());

        Memory space = kernel.newAddressSpace();
        ProgramImage image = ExecutableLoader.load(program, name, space, options.argv(), options.envp());
        String taskName = baseName(name);
        Task task = kernel.createUserTask(taskName, 0, space, image.entry(), image.stackPointer(), image.symbols());
        kernel.addExitListener(t -> {
            if (t == task) sim.stop("exit");
        });
        try {
            kernel.boot();
            sim.run(Long.MAX_VALUE);
        } finally {
            kernel.shutdown();
        }
        long ns = 0;
        for (int i = 0; i < kernel.cpuCount(); i++) ns = Math.max(ns, kernel.cpu(i).localTime() / 1000);
        long insns = kernel.instructions();
        var oops = violations.first();
        if (oops.isPresent()) return new ExecResult(ExecResult.Outcome.OOPS, -1, oops.get().message(), insns, ns, log);
        if (task.killedBy() != null) return new ExecResult(ExecResult.Outcome.KILLED, -1, task.killedBy(), insns, ns, log);
        if (task.exitStatus() >= 0) return new ExecResult(ExecResult.Outcome.EXITED, task.exitStatus(), null, insns, ns, log);
        return new ExecResult(ExecResult.Outcome.INSTRUCTION_LIMIT, -1,
                "stopped after " + insns + " instructions (the instruction limit) before the program exited", insns, ns, log);
    }

    private static String baseName(String path) {
        int slash = path.lastIndexOf('/');
        String n = slash >= 0 ? path.substring(slash + 1) : path;
        return n.length() > 15 ? n.substring(0, 15) : n;        // TASK_COMM_LEN - 1, as comm is
    }
}
