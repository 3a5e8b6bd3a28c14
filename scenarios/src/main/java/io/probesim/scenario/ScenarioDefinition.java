package io.probesim.scenario;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything one scenario script says, as plain data. Produced by {@link ScenarioLoader};
 * interpreted by the engine. Only {@link TaskDefinition.HostTask} carries code (a Closure).
 *
 * @param name        the script's {@code name}, or the file name without extension
 * @param machine     {@code machine { }}
 * @param probes      {@code probes { }}
 * @param text        {@code text '''...'''}; null when the script has none
 * @param objects     {@code load 'fixtures/funcs.o'}: object files, resolved against the script's folder
 * @param tasks       in script order
 * @param checks      invariant names in script order, without duplicates
 * @param explore     {@code explore ...}
 * @param settlePs    {@code limits settle:} how long a schedule goes on after its last host task has ended (default 20 us)
 * @param timeLimitPs {@code limits time:} simulated time limit of one schedule (default 2 ms)
 * @param file        the script (for loadText: the name it was given)
 * @param measures    {@code measure ...}: timing measurements of the scenario's own code, in script order
 * @param invariants  {@code invariant 'name', { state -> }}: the script's own invariants (their names are in checks too)
 */
public record ScenarioDefinition(String name, MachineConfig machine, ProbesConfig probes, TextSource text,
                                 List<Path> objects, List<TaskDefinition> tasks, List<String> checks,
                                 ExploreConfig explore, long settlePs, long timeLimitPs, Path file,
                                 List<MeasureDefinition> measures, List<CustomInvariant> invariants) {

    public static final long DEFAULT_SETTLE_PS = 20 * SimDuration.US;
    public static final long DEFAULT_TIME_LIMIT_PS = 2 * SimDuration.MS;

    public ScenarioDefinition {
        objects = List.copyOf(objects);
        tasks = List.copyOf(tasks);
        checks = List.copyOf(checks);
        measures = List.copyOf(measures);
        invariants = List.copyOf(invariants);
    }

    /** Without measures or custom invariants. */
    public ScenarioDefinition(String name, MachineConfig machine, ProbesConfig probes, TextSource text,
                              List<Path> objects, List<TaskDefinition> tasks, List<String> checks,
                              ExploreConfig explore, long settlePs, long timeLimitPs, Path file) {
        this(name, machine, probes, text, objects, tasks, checks, explore, settlePs, timeLimitPs, file, List.of(), List.of());
    }

    public Optional<TaskDefinition> task(String taskName) {
        return tasks.stream().filter(t -> t.name().equals(taskName)).findFirst();
    }

    /** A copy with another era and knobs (the CLI's --era / --knob). */
    public ScenarioDefinition withProbes(ProbesConfig newProbes) {
        return new ScenarioDefinition(name, machine, newProbes, text, objects, tasks, checks, explore,
                settlePs, timeLimitPs, file, measures, invariants);
    }
}
