package io.probesim.x86.elf;

import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.Natives;

import java.util.OptionalLong;

/**
 * Loads a relocatable object into a kernel as insmod does: module space for it, its undefined
 * symbols resolved against the kernel's symbols (and the exported native routines), then its
 * symbols, text ranges and exception table entries installed.
 */
public final class ModuleLoader {
    private ModuleLoader() {}

    public static LoadedObject load(Kernel kernel, byte[] bytes, String name) {
        RelocatableObject obj = RelocatableObject.read(bytes, name);
        if (obj.mode() != kernel.config().mode()) {
            throw new ElfLoadException(name + ": a " + bits(obj.mode()) + "-bit object cannot be loaded into a "
                    + bits(kernel.config().mode()) + "-bit kernel");
        }
        long base = kernel.allocateModuleSpace(obj.size());
        LoadedObject loaded = obj.loadAt(kernel.memory(), base, symbol -> resolve(kernel, symbol));
        loaded.installInto(kernel.symbols(), kernel.exceptionTable());
        return loaded;
    }

    private static OptionalLong resolve(Kernel kernel, String symbol) {
        var s = kernel.symbols().lookup(symbol);
        if (s.isPresent()) return OptionalLong.of(s.get().address());
        if (Natives.EXPORTED.contains(symbol)) return OptionalLong.of(kernel.natives().symbols().get(symbol));
        return OptionalLong.empty();
    }

    private static int bits(io.probesim.x86.decode.Mode mode) {
        return mode == io.probesim.x86.decode.Mode.BITS64 ? 64 : 32;
    }
}
