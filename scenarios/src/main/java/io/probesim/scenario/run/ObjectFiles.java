package io.probesim.scenario.run;

import io.probesim.scenario.ScenarioDefinition;
import io.probesim.scenario.ScenarioException;
import io.probesim.sim.Simulation;
import io.probesim.sim.Violations;
import io.probesim.sim.explore.Strategies;
import io.probesim.sim.log.EventLog;
import io.probesim.x86.elf.ElfLoadException;
import io.probesim.x86.elf.LoadedObject;
import io.probesim.x86.elf.ModuleLoader;
import io.probesim.x86.elf.ObjectSymbol;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.KernelConfig;
import io.probesim.x86.mem.Memory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A scenario's {@code load 'x.o'}: relocatable objects loaded with the kernel's module loader
 * once, into the image's memory (module space, in script order), and installed into each run's
 * kernel (symbols with sizes, text ranges, __ex_table) at the same addresses.
 */
final class ObjectFiles {
    private ObjectFiles() {}

    /**
     * Loads every object of the scenario into `mem`. A path is looked up relative to the scenario
     * file first, then to the working directory.
     */
    static List<LoadedObject> load(ScenarioDefinition def, String file, KernelConfig config, Memory mem) {
        if (def.objects().isEmpty()) return List.of();
        Kernel loader = scratchKernel(config, mem);
        List<LoadedObject> out = new ArrayList<>();
        for (Path resolved : def.objects()) {
            String given = given(def, resolved);
            int line = lineOf(def, given);
            Path path = locate(resolved, given);
            if (path == null) {
                throw new ScenarioException(file, line, 0, "load '" + given + "': no such file (looked for " + resolved.toAbsolutePath()
                        + " and " + Path.of(given).toAbsolutePath() + ")", "paths are relative to the scenario file, then to the working directory");
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(path);
            } catch (IOException e) {
                throw new ScenarioException(file, line, 0, "load '" + given + "': cannot read it: " + e.getMessage(), null);
            }
            try {
                out.add(ModuleLoader.load(loader, bytes, path.getFileName().toString()));
            } catch (ElfLoadException | IllegalArgumentException e) {
                throw new ScenarioException(file, line, 0, "load '" + given + "': " + e.getMessage(),
                        "load takes a relocatable x86-64 ELF object (gcc -c), like fixtures/kstyle/kstyle.o");
            }
        }
        return out;
    }

    /** Installs the objects into a run's kernel, at the module space they were loaded into. */
    static void install(Kernel kernel, List<LoadedObject> objects) {
        for (LoadedObject o : objects) {
            long base = kernel.allocateModuleSpace(o.end() - o.start());
            if (base != o.start()) throw new IllegalStateException(o.name() + " was loaded at 0x" + Long.toHexString(o.start())
                    + " but this kernel's module space is at 0x" + Long.toHexString(base));
            o.installInto(kernel.symbols(), kernel.exceptionTable());
        }
    }

    /** Every function the objects define, by name (what the text and tasks may name). */
    static Map<String, Long> functions(List<LoadedObject> objects) {
        Map<String, Long> out = new TreeMap<>();
        for (LoadedObject o : objects) {
            for (ObjectSymbol s : o.symbols()) {
                if (s.kind() == ObjectSymbol.Kind.FUNC) out.put(s.name(), s.address());
            }
        }
        return out;
    }

    private static Kernel scratchKernel(KernelConfig config, Memory mem) {
        Simulation sim = new Simulation(Strategies.replay(new int[0]), new EventLog(), 0);
        return new Kernel(config, sim, mem, new Violations(sim, Set.of()));
    }

    /** What the script wrote (the block resolved it against the script's folder). */
    private static String given(ScenarioDefinition def, Path resolved) {
        Path dir = def.file() == null || def.file().getParent() == null ? Path.of("") : def.file().getParent();
        try {
            return dir.relativize(resolved).toString();
        } catch (IllegalArgumentException e) {
            return resolved.toString();
        }
    }

    private static Path locate(Path resolved, String given) {
        if (Files.isRegularFile(resolved)) return resolved;
        Path cwd = Path.of(given);
        return Files.isRegularFile(cwd) ? cwd : null;
    }

    /** The script line of the `load` naming `given` (0 when the script is not a file). */
    private static int lineOf(ScenarioDefinition def, String given) {
        if (def.file() == null || !Files.isRegularFile(def.file())) return 0;
        try {
            List<String> lines = Files.readAllLines(def.file());
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains("load") && lines.get(i).contains(given)) return i + 1;
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }
}
