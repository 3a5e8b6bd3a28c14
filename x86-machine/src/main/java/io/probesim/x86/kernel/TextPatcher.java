package io.probesim.x86.kernel;

import java.util.HexFormat;

/**
 * Writes to kernel text. The 2006 kernel armed and disarmed probes with a plain store and a
 * cache flush; later methods (text_poke_smp, text_poke_bp) arrive with issue 4. A write from
 * a host task is a yield point: its cost is charged after it, so other CPUs run meanwhile.
 */
public final class TextPatcher {

    private final Kernel kernel;

    TextPatcher(Kernel kernel) {
        this.kernel = kernel;
    }

    /** A plain store of `bytes` at `addr` (what 2006-era arm/disarm did). */
    public void poke(HostContext ctx, long addr, byte[] bytes, String why) {
        byte[] old = kernel.memory().read(addr, bytes.length);
        kernel.memory().poke(addr, bytes);
        ctx.log("text-write", "addr", "0x" + Long.toHexString(addr),
                "old", HexFormat.of().formatHex(old), "new", HexFormat.of().formatHex(bytes), "why", why);
        ctx.charge(CostTable.TEXT_POKE);
    }
}
