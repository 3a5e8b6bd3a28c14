package io.probesim.x86.kernel;

import io.probesim.sim.ChoiceKind;
import io.probesim.sim.Simulation;
import io.probesim.sim.Violations;
import io.probesim.x86.cpu.Cpu;
import io.probesim.x86.cpu.CpuState;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.mem.Memory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The simulated kernel: CPUs, tasks, scheduler, RCU-sched, traps, timer, NMIs, symbols and text
 * patching with its stale-prefetch model, wired to one {@link Simulation}. Each concern lives in its own class; this one
 * creates them, boots the machine and offers the few cross-cutting services (logging,
 * waiters, the live-context scan invariants need).
 */
public final class Kernel {

    private final KernelConfig config;
    private final Simulation sim;
    private final Memory memory;
    private final Violations violations;
    private final Natives natives;
    private final SymbolTable symbols = new SymbolTable();
    private final ExceptionTable exceptionTable = new ExceptionTable();
    private final Syscalls syscalls = new Syscalls(this);
    private Console console = new ConsoleBuffer();
    private final SimCpu[] cpus;
    private final List<Task> tasks = new ArrayList<>();
    private final List<Task> toAbort = new ArrayList<>();
    private final List<Consumer<Task>> exitListeners = new ArrayList<>();
    private final Scheduler scheduler;
    private final Rcu rcu;
    private final Traps traps;
    private final TimerTick timer;
    private final TextPatcher textPatcher;
    private final StalePrefetch prefetch;
    private final Nmi nmi;
    private final Workqueue workqueue = new Workqueue(this);
    private final StopMachine stopMachine;
    private final long hostResume;
    private final long idleLoop;
    private final long taskExit;
    private final long nestedReturn;
    private boolean booted;
    private long moduleNext;
    private boolean batching;
    private long instructionLimit = Long.MAX_VALUE;

    public Kernel(KernelConfig config, Simulation sim, Memory memory, Violations violations) {
        this.config = config;
        this.sim = sim;
        this.memory = memory;
        this.violations = violations;
        this.natives = new Natives(Layout.nativeText(config.mode()));
        this.moduleNext = Layout.moduleLoad(config.mode());
        this.scheduler = new Scheduler(this, config.cpus());
        this.rcu = new Rcu(this, config.cpus());
        this.traps = new Traps(this);
        this.timer = new TimerTick(this);
        this.textPatcher = new TextPatcher(this);
        this.prefetch = new StalePrefetch(this, violations.enabled(StalePrefetch.INVARIANT));
        this.nmi = new Nmi(this);
        this.stopMachine = new StopMachine(this);
        this.hostResume = natives.define("host_resume", this::resumeHostTask);
        this.idleLoop = natives.define("cpu_idle", this::idle);
        this.taskExit = natives.define("task_exit", sc -> exit(sc, sc.current));
        this.nestedReturn = natives.define("nested_return", sc -> {
            throw new KernelPanic("returned to the nested-call sentinel outside a nested call");
        });
        natives.define("cond_resched", this::condResched);
        natives.define("schedule", sc -> {
            ret(sc);
            scheduler.schedule(sc, "voluntary");
        });
        this.cpus = new SimCpu[config.cpus()];
        for (int i = 0; i < cpus.length; i++) {
            cpus[i] = new SimCpu(i, this, new Cpu(memory, config.mode()), config.clockMhz());
        }
    }

    // --- set-up -------------------------------------------------------------------------

    /** A kernel thread running x86 code from `entry`; returning from it ends the task. */
    public Task createX86Task(String name, int cpu, long entry) {
        Task t = newTask(name, Task.Kind.X86, cpu);
        long sp = push(t.stackTop(), taskExit);
        t.saved = initialContext(entry, sp);
        scheduler.enqueue(t);
        return t;
    }

    /**
     * A user process: x86 at CPL 3 from `entry` with the stack pointer `sp`, in `space` (a
     * process space of this kernel's memory, see {@link #newAddressSpace()}, already holding the
     * program and its stack). It ends by exit()/exit_group() or when a fault kills it.
     */
    public Task createUserTask(String name, int cpu, Memory space, long entry, long sp, SymbolTable programSymbols) {
        if (!space.isProcessSpace() || space.taskSize() != Layout.taskSize(config.mode())) {
            throw new IllegalArgumentException("task " + name + ": the address space is not one of this kernel's process spaces");
        }
        Task t = newTask(name, Task.Kind.USER, cpu);
        t.addressSpace = space;
        t.userSymbols = programSymbols;
        long[] gpr = new long[16];
        gpr[4] = sp;
        t.saved = new CpuState(config.mode(), gpr, entry, 0x2 | SimCpu.IF, Layout.userCs(config.mode()), Layout.userSs(config.mode()),
                3, 0, 0, 0, 0, false);
        scheduler.enqueue(t);
        return t;
    }

    /** A new user address space: nothing below the task size, the kernel half shared with this kernel's memory. */
    public Memory newAddressSpace() {
        return memory.newProcessSpace(Layout.taskSize(config.mode()));
    }

    /** Reserves `size` bytes (whole pages) of module space for a loaded object; returns its base. */
    public long allocateModuleSpace(long size) {
        long base = moduleNext;
        moduleNext += (size + Memory.PAGE_MASK) & ~Memory.PAGE_MASK;
        return base;
    }

    /** Pushes a return address of the machine's width on a stack whose top is `sp`; returns the new sp. */
    private long push(long sp, long value) {
        if (config.mode() == Mode.BITS64) {
            memory.write64(sp - 8, value);
            return sp - 8;
        }
        memory.write32(sp - 4, (int) value);
        return sp - 4;
    }

    /** A kernel task whose body is Java (a scenario's host task). */
    public Task createHostTask(String name, int cpu, Consumer<HostContext> body) {
        Task t = newTask(name, Task.Kind.HOST, cpu);
        t.saved = initialContext(hostResume, t.stackTop());
        t.carrier = new HostCarrier(name, body, new HostContext(this, t));
        scheduler.enqueue(t);
        return t;
    }

    /**
     * A kernel thread of the kernel's own (a stopper, a worker) whose body is Java: created
     * blocked, possibly after boot, and started by whoever wakes it.
     */
    Task createKernelThread(String name, int cpu, Consumer<HostContext> body) {
        Task t = newTask(name, Task.Kind.HOST, cpu, true);
        t.saved = initialContext(hostResume, t.stackTop());
        t.carrier = new HostCarrier(name, body, new HostContext(this, t));
        t.state = TaskState.BLOCKED;
        return t;
    }

    private Task newTask(String name, Task.Kind kind, int cpu) {
        return newTask(name, kind, cpu, false);
    }

    private Task newTask(String name, Task.Kind kind, int cpu, boolean kernelThread) {
        if (booted && kind != Task.Kind.IDLE && !kernelThread) throw new IllegalStateException("tasks are created before boot");
        if (cpu < 0 || cpu >= cpus.length) throw new IllegalArgumentException("task " + name + ": no cpu " + cpu + " (machine has " + cpus.length + ")");
        long stack = Layout.stacks(config.mode()) + tasks.size() * (Layout.STACK_SIZE + 4096);
        memory.map(stack, Layout.STACK_SIZE, Memory.R | Memory.W);
        Task t = new Task(tasks.size() + 1, name, kind, cpu, stack);
        tasks.add(t);
        return t;
    }

    /** A fresh kernel task's registers: all zero but ip, sp and flags (reserved bit 1, IF). */
    private CpuState initialContext(long rip, long rsp) {
        long[] gpr = new long[16];
        gpr[4] = rsp;
        return new CpuState(config.mode(), gpr, rip, 0x2 | SimCpu.IF, (int) Layout.KERNEL_CS, (int) Layout.KERNEL_SS,
                0, 0, 0, 0, 0, false);
    }

    /** Maps the native stubs, starts the idle tasks, the first tasks and the timers. */
    public void boot() {
        memory.map(natives.base(), natives.regionSize(), Memory.R | Memory.X);
        byte[] traps = new byte[(int) natives.regionSize()];
        java.util.Arrays.fill(traps, (byte) 0xCC);
        memory.poke(natives.base(), traps);
        for (var e : natives.symbols().entrySet()) symbols.add(e.getKey(), e.getValue(), 16);
        nmi.mapStacks();
        for (SimCpu sc : cpus) {
            Task idle = newTask("swapper/" + sc.id(), Task.Kind.IDLE, sc.id());
            idle.saved = initialContext(idleLoop, idle.stackTop());
            idle.state = TaskState.RUNNABLE;
            scheduler.setIdle(sc.id(), idle);
        }
        booted = true;
        for (SimCpu sc : cpus) {
            sim.addActor(sc);
            scheduler.start(sc);
        }
        for (SimCpu sc : cpus) timer.start(sc);
    }

    /** Ends every host task still parked (end of run). */
    public void shutdown() {
        for (Task t : tasks) {
            if (t.carrier != null) t.carrier.abort();
        }
    }

    // --- native routines ------------------------------------------------------------------

    private void resumeHostTask(SimCpu sc) {
        Task t = sc.current;
        t.carrier.resume();
        Throwable failure = t.carrier.failure();
        if (failure != null) throw new HostTaskFailure(t.name(), failure);
        if (t.carrier.finished()) {
            exit(sc, t);
        } else if (t.state == TaskState.BLOCKED) {
            scheduler.schedule(sc, "block");
        }
    }

    private void exit(SimCpu sc, Task t) {
        t.state = TaskState.DEAD;
        log(sc.id(), t, "exit");
        for (Consumer<Task> l : exitListeners) l.accept(t);
        scheduler.schedule(sc, "exit");
    }

    /** A user task's exit()/exit_group(): it ends with `status` and its address space goes. */
    void exitUser(SimCpu sc, Task t, int status) {
        t.exitStatus = status;
        t.state = TaskState.DEAD;
        log(sc.id(), t, "exit", "status", status);
        for (Consumer<Task> l : exitListeners) l.accept(t);
        scheduler.schedule(sc, "exit");
        t.addressSpace.release();
    }

    private void idle(SimCpu sc) {
        if (scheduler.hasRunnable(sc.id())) {
            scheduler.schedule(sc, "idle");
        } else {
            sc.halt();
        }
    }

    private void condResched(SimCpu sc) {
        ret(sc);
        sc.addCycles(CostTable.COND_RESCHED);
        // cond_resched_tasks_rcu_qs() [?]: the call itself is an RCU-tasks quiescent state
        rcu.noteTasksQs(sc.current);
        if (sc.needResched) scheduler.schedule(sc, "cond_resched");
    }

    private void ret(SimCpu sc) {
        Cpu cpu = sc.cpu();
        if (config.mode() == Mode.BITS64) {
            cpu.rip = memory.read64(cpu.gpr[4]);
            cpu.gpr[4] += 8;
        } else {
            cpu.rip = memory.read32(cpu.gpr[4]) & 0xffffffffL;
            cpu.gpr[4] += 4;
        }
    }

    // --- services ---------------------------------------------------------------------------

    /** Wakes every blocked task whose wait condition now holds (in task order). */
    void recheckWaiters() {
        for (Task t : tasks) {
            if (t.state == TaskState.BLOCKED && t.waiting != null && t.waiting.condition().getAsBoolean()) {
                scheduler.wake(t, cpu(t.cpu()).localTime());
            }
        }
    }

    /** Public hook for subsystems whose state change may satisfy a waiter (a freed slot). */
    public void noteProgress() {
        recheckWaiters();
    }

    void abortLater(Task t) {
        toAbort.add(t);
    }

    /** Timer slack of a sleep: up to 1/8 of it, a choice. */
    long timerSlack(long ps) {
        int steps = 8;
        return ps / 8 * sim.chooser().choose(ChoiceKind.JITTER, steps) / steps;
    }

    /**
     * Visits every instruction address some context will execute from or return to: each
     * CPU's ip, the saved ip of each trap frame (interrupted contexts), and the saved ip of
     * every task that is not on a CPU (preempted or blocked).
     */
    public void forEachLiveIp(LiveIpVisitor visitor) {
        for (SimCpu sc : cpus) {
            Task t = sc.current;
            visitor.visit(sc.cpu().rip, t, "running on cpu " + sc.id());
            visitFrames(t, sc.cpu().rip, visitor);
        }
        for (Task t : tasks) {
            if (t.state == TaskState.RUNNING || t.state == TaskState.DEAD || t.saved == null) continue;
            visitor.visit(t.saved.rip(), t, t.state == TaskState.RUNNABLE ? "preempted" : "blocked");
            visitFrames(t, t.saved.rip(), visitor);
        }
    }

    private void visitFrames(Task t, long rip, LiveIpVisitor visitor) {
        int n = t.trapFrames.size();
        // Between an int3's entry and do_int3 the newest frame's ip (the int3's address + 1) is not
        // where the task returns: do_int3's handlers have yet to set it (a probe's slot or detour,
        // text_poke_bp's emulated instruction, or the int3's address for a removed probe).
        if (rip == traps.doInt3Address() && n > 0) n--;
        // ip is a frame's first field in both layouts; a word read suits either (little-endian)
        for (int i = 0; i < n; i++) visitor.visit(memory.load(t.trapFrames.get(i), wordBytes()), t, "trap frame that returns there");
    }

    @FunctionalInterface
    public interface LiveIpVisitor {
        void visit(long ip, Task task, String how);
    }

    public void log(int cpu, Task task, String kind, Object... keyValues) {
        sim.log().append(cpus[cpu].localTime(), cpu, task == null ? "-" : task.name(), kind, keyValues);
    }

    public void addExitListener(Consumer<Task> listener) {
        exitListeners.add(listener);
    }

    void notifyExit(Task t) {
        for (Consumer<Task> l : exitListeners) l.accept(t);
    }

    /**
     * Lets a CPU running a user task alone run many instructions per engine step, up to the next
     * pending event (see {@link SimCpu}). The same run as without batching when no chooser
     * perturbs steps (stalls are drawn per engine step); off by default, so that explorations
     * keep their per-instruction perturbation points.
     */
    public void setBatching(boolean on) {
        batching = on;
    }

    boolean batching() {
        return batching;
    }

    /** Stops the simulation once the CPUs together have executed `n` instructions (exactly). */
    public void setInstructionLimit(long n) {
        if (n < 0) throw new IllegalArgumentException("instruction limit " + n);
        instructionLimit = n;
    }

    /** Instructions the CPUs may still execute before the limit (Long.MAX_VALUE-ish when none). */
    long instructionsLeft() {
        if (instructionLimit == Long.MAX_VALUE) return Long.MAX_VALUE;
        return instructionLimit - instructions();
    }

    /** Instructions executed by all CPUs so far. */
    public long instructions() {
        long n = 0;
        for (SimCpu sc : cpus) n += sc.instructions();
        return n;
    }

    public Console console() {
        return console;
    }

    /** Where user programs' writes to fd 1 and 2 go (default: a {@link ConsoleBuffer}). */
    public void setConsole(Console console) {
        this.console = java.util.Objects.requireNonNull(console, "console");
    }

    // --- accessors ----------------------------------------------------------------------------

    public KernelConfig config() { return config; }
    public Simulation simulation() { return sim; }
    public Memory memory() { return memory; }
    public Violations violations() { return violations; }
    public Natives natives() { return natives; }
    public SymbolTable symbols() { return symbols; }
    public ExceptionTable exceptionTable() { return exceptionTable; }
    Syscalls syscalls() { return syscalls; }
    public SimCpu cpu(int id) { return cpus[id]; }
    public int cpuCount() { return cpus.length; }
    public List<Task> tasks() { return List.copyOf(tasks); }
    public Scheduler scheduler() { return scheduler; }
    public Rcu rcu() { return rcu; }
    public Traps traps() { return traps; }
    public TimerTick timer() { return timer; }
    public TextPatcher textPatcher() { return textPatcher; }
    /** The stale-prefetch model (no-torn-fetch); active only when that invariant is checked. */
    public StalePrefetch prefetch() { return prefetch; }
    /** The NMI source and delivery (nmi-frame-integrity). */
    public Nmi nmi() { return nmi; }
    /** Delayed work (schedule_delayed_work) run by a kernel worker. */
    public Workqueue workqueue() { return workqueue; }
    /** stop_machine: the other CPUs parked in their stopper tasks while a function runs. */
    public StopMachine stopMachine() { return stopMachine; }
    long nestedReturnAddress() { return nestedReturn; }

    // --- the cost model of this run (DESIGN.md "Cost model") ------------------------------------

    private io.probesim.x86.cost.CostModel costs = io.probesim.x86.cost.CostModel.DEFAULT;

    public io.probesim.x86.cost.CostModel costs() { return costs; }

    public long cost(io.probesim.x86.cost.Cost c) { return costs.cycles(c); }

    /** Sets the cycles charged for the named costs (before boot: a run has one model). */
    public void setCosts(io.probesim.x86.cost.CostModel model) {
        this.costs = java.util.Objects.requireNonNull(model, "costs");
        for (SimCpu c : cpus) c.cpu().setCosts(model);
    }

    /** The machine word: 8 bytes on x86-64, 4 on i386 (trap frame fields, return addresses). */
    public int wordBytes() { return config.mode() == io.probesim.x86.decode.Mode.BITS64 ? 8 : 4; }
}
