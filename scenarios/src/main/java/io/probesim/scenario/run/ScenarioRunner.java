package io.probesim.scenario.run;

import io.probesim.probes.invariants.HandlerExactlyOnce;
import io.probesim.probes.invariants.NoJumpIntoRegion;
import io.probesim.probes.invariants.NoResumeInsidePatchedRegion;
import io.probesim.probes.invariants.NoHandlerAfterUnregister;
import io.probesim.probes.invariants.ReturnAddressIntegrity;
import io.probesim.probes.invariants.ProbeTransparency;
import io.probesim.probes.invariants.SlotNotFreedWhileInUse;
import io.probesim.probes.kprobes.Kprobes;
import io.probesim.probes.kprobes.Jprobes;
import io.probesim.probes.kprobes.Kretprobes;
import io.probesim.probes.kprobes.x86.X86Kprobes;
import io.probesim.probes.optprobes.Optprobes;
import io.probesim.probes.optprobes.x86.X86Optprobes;
import io.probesim.probes.kprobes.x86.X86Jprobes;
import io.probesim.probes.kprobes.x86.X86Kretprobes;
import io.probesim.scenario.HostTaskScript;
import io.probesim.scenario.ScenarioException;
import io.probesim.scenario.TaskDefinition;
import io.probesim.sim.Chooser;
import io.probesim.sim.Simulation;
import io.probesim.sim.Violations;
import io.probesim.sim.explore.RunResult;
import io.probesim.sim.explore.ScheduleRunner;
import io.probesim.sim.log.EventLog;
import io.probesim.x86.asm.Symbol;
import io.probesim.x86.kernel.HostTaskFailure;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.Layout;
import io.probesim.x86.kernel.Task;

import io.probesim.scenario.SimDuration;
import io.probesim.x86.kernel.HostContext;

import java.util.TreeSet;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One schedule of a scenario: a fresh kernel on the scenario's memory snapshot, its tasks, the
 * kprobes core of the chosen era, the checked invariants; run until every host task has ended
 * and the settle time has passed (or the time limit). Thread-safe: nothing is shared between
 * runs but the immutable image.
 */
public final class ScenarioRunner implements ScheduleRunner {

    private final ScenarioImage image;

    public ScenarioRunner(ScenarioImage image) {
        this.image = image;
    }

    public ScenarioImage image() {
        return image;
    }

    @Override
    public RunResult run(Chooser chooser) {
        return execute(chooser).result();
    }

    /** A finished run with the world it ran in, for reports that look at the machine. */
    public record Outcome(RunResult result, Kernel kernel) {}

    public Outcome execute(Chooser chooser) {
        var def = image.definition();
        EventLog log = new EventLog();
        Simulation sim = new Simulation(chooser, log, 0);
        Violations violations = new Violations(sim, new LinkedHashSet<>(def.checks()));
        Kernel kernel = new Kernel(image.kernelConfig(), sim, image.freshMemory(), violations);
        for (Symbol s : image.symbols()) kernel.symbols().add(s.name(), s.address(), s.size());
        if (image.textEnd() > Layout.KERNEL_TEXT) kernel.symbols().addTextRange(Layout.KERNEL_TEXT, image.textEnd());
        ObjectFiles.install(kernel, image.objects());
        for (String fn : def.probes().blacklist()) kernel.symbols().blacklist(fn);
        if (def.machine().nmiHandler() != null) kernel.nmi().setHandler(kernel.symbols().require(def.machine().nmiHandler()).address());
        if (image.probeConfig().has(io.probesim.probes.Knob.NO_NMI_NESTING_GUARD)) kernel.nmi().setNestingGuard(io.probesim.x86.kernel.Nmi.NestingGuard.NONE);

        Kprobes kprobes = new Kprobes(kernel, image.probeConfig(), X86Kprobes::new);
        ((X86Kprobes) kprobes.arch()).slots().addListener(new SlotNotFreedWhileInUse(kernel, violations));
        if (violations.enabled(HandlerExactlyOnce.NAME)) log.addListener(new HandlerExactlyOnce(violations));
        Optprobes optprobes = optprobes(kprobes, kernel, violations, log);
        if (violations.enabled(NoJumpIntoRegion.NAME)) log.addListener(new NoJumpIntoRegion(kernel, violations));
        Kretprobes kretprobes = new Kretprobes(kprobes, X86Kretprobes::new);
        Jprobes jprobes = new Jprobes(kprobes, X86Jprobes::new);
        if (violations.enabled(ReturnAddressIntegrity.NAME)) new ReturnAddressIntegrity(kernel, violations);
        if (violations.enabled(NoHandlerAfterUnregister.NAME)) new NoHandlerAfterUnregister(kprobes, violations);

        int hostTasks = 0;
        for (TaskDefinition t : def.tasks()) {
            if (t instanceof TaskDefinition.X86Task x) {
                kernel.createX86Task(x.name(), x.cpu(), kernel.symbols().require(x.entry()).address());
            } else if (t instanceof TaskDefinition.HostTask h) {
                hostTasks++;
                kernel.createHostTask(h.name(), h.cpu(), ctx -> {
                    if (h.timed()) sleepUntil(ctx, h.startPs());
                    HostTaskScript.run(h.body(), new KernelHostOps(ctx, kprobes, optprobes, kretprobes, jprobes));
                });
            }
        }
        if (violations.enabled(ProbeTransparency.NAME)) new ProbeTransparency(kernel, violations);
        CustomInvariantChecker custom = null;
        if (!def.invariants().isEmpty()) {
            Set<String> hostNames = new TreeSet<>();
            for (TaskDefinition t : def.tasks()) if (t instanceof TaskDefinition.HostTask h) hostNames.add(h.name());
            custom = new CustomInvariantChecker(def.invariants(), kernel, violations, hostNames);
            log.addListener(custom);
        }
        int[] remaining = {hostTasks};
        kernel.addExitListener(task -> {
            if (task.kind() == Task.Kind.HOST && --remaining[0] == 0) {
                long at = kernel.cpu(task.cpu()).localTime() + def.settlePs();
                sim.at(at, () -> sim.stop("settled"));
            }
        });
        try {
            kernel.boot();
            sim.run(def.timeLimitPs());
            if (custom != null) custom.check(0);      // the end of the schedule
        } catch (HostTaskFailure f) {
            if (f.getCause() instanceof ScenarioException se) throw se;
            throw f;
        } finally {
            kernel.shutdown();
        }
        RunResult result = new RunResult(violations.first(), chooser.recorded(), log.sha256(), sim.steps(), kernel.cpuCount(), log);
        return new Outcome(result, kernel);
    }

    /**
     * {@code at T}: blocks until simulated time T exactly (no timer slack, unlike sleep): the event at T wakes
     * the task, as a timer would.
     */
    private static void sleepUntil(HostContext ctx, long ps) {
        Simulation sim = ctx.kernel().simulation();
        if (sim.now() >= ps) return;
        boolean[] due = {false};
        sim.at(ps, () -> {
            due[0] = true;
            ctx.kernel().scheduler().wake(ctx.task(), ps);
        });
        ctx.waitUntil("at " + SimDuration.ofPs(ps), () -> due[0]);
    }

    /**
     * The era's jump optimizer (none before 2010), its kernel worker on the last CPU (created
     * here, before boot), and the invariants that watch it.
     */
    private static Optprobes optprobes(Kprobes kprobes, Kernel kernel, Violations violations, EventLog log) {
        if (!kprobes.config().era().optprobes()) return null;
        Optprobes opt = new Optprobes(kprobes, X86Optprobes::new, kernel.cpuCount() - 1);
        ((X86Optprobes) opt.arch()).detourSlots().addListener(new SlotNotFreedWhileInUse(kernel, violations));
        if (violations.enabled(NoResumeInsidePatchedRegion.NAME)) log.addListener(new NoResumeInsidePatchedRegion(kernel, violations));
        return opt;
    }
}
