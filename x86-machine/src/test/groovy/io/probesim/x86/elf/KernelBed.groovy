package io.probesim.x86.elf

import io.probesim.sim.Simulation
import io.probesim.sim.Violations
import io.probesim.sim.log.EventLog
import io.probesim.sim.strategy.Builtins
import io.probesim.x86.decode.Mode
import io.probesim.x86.kernel.Kernel
import io.probesim.x86.kernel.KernelConfig
import io.probesim.x86.kernel.Layout
import io.probesim.x86.mem.Memory

import java.nio.file.Files
import java.nio.file.Path

/**
 * A booted kernel of either width for calling loaded functions from a test (as a handler would:
 * SimCpu.callFunction on CPU 0, in kernel mode), with a scratch data page at KERNEL_DATA.
 */
class KernelBed {
    final Mode mode
    final Simulation sim
    final Violations violations
    final Kernel kernel
    final long scratch

    KernelBed(Mode mode) {
        this.mode = mode
        sim = new Simulation(Builtins.replay(new int[0]), new EventLog(), 0)
        violations = new Violations(sim, ['no-oops'] as Set)
        kernel = new Kernel(new KernelConfig(1, true, 1000, 1, 2330, mode), sim, new Memory(), violations)
        scratch = mode == Mode.BITS64 ? Layout.KERNEL_DATA : Layout.KERNEL_DATA_32
        kernel.memory().map(scratch, 4 * Memory.PAGE_SIZE, Memory.R | Memory.W)
    }

    LoadedObject load(Path obj) {
        ModuleLoader.load(kernel, Files.readAllBytes(obj), obj.fileName.toString())
    }

    KernelBed boot() {
        kernel.boot()
        this
    }

    /** Calls a kernel function; the result as the ABI returns it (32-bit results zero-extended). */
    long call(String symbol, long... args) {
        kernel.cpu(0).callFunction(kernel.symbols().require(symbol).address(), args)
    }

    int word() { mode == Mode.BITS64 ? 8 : 4 }

    long mask(long v) { mode == Mode.BITS64 ? v : v & 0xffffffffL }

    void putWord(long at, long v) {
        if (mode == Mode.BITS64) kernel.memory().write64(at, v) else kernel.memory().write32(at, (int) v)
    }

    long getWord(long at) {
        mode == Mode.BITS64 ? kernel.memory().read64(at) : kernel.memory().read32(at) & 0xffffffffL
    }
}
