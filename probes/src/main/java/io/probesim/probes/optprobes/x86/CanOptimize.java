package io.probesim.probes.optprobes.x86;

import io.probesim.probes.kprobes.Errno;
import io.probesim.probes.kprobes.Kprobe;
import io.probesim.probes.kprobes.KprobeException;
import io.probesim.probes.kprobes.Kprobes;
import io.probesim.x86.decode.Decoder;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Mode;

/**
 * can_optimize() and copy_optimized_instructions()' checks (spec section 3.1 and 3.2): whether
 * the probe's region may be replaced by a jump, honouring the knobs of rows S7-S10.
 * (Skeleton: whole instructions inside the function covering 5 bytes; the full checks arrive
 * with the can-optimize branch.)
 */
public final class CanOptimize {

    public static final int JMP_SIZE = 5;

    private CanOptimize() {}

    /** The region to optimize, or a KprobeException whose message says why not. */
    public static OptRegion check(Kprobes core, Kprobe p) {
        var kernel = core.kernel();
        var fn = kernel.symbols().containing(p.address()).orElseThrow(() ->
                new KprobeException(Errno.EINVAL, p + " is in no known function"));
        long end = fn.address() + fn.size();
        long at = p.address();
        while (at - p.address() < JMP_SIZE) {
            byte[] code = kernel.memory().read(at, 15);
            if (at == p.address()) code[0] = p.savedOpcode();
            Instruction insn = Decoder.decode(code, 0, at, Mode.BITS64);
            at += insn.length();
        }
        if (at > end) throw new KprobeException(Errno.EINVAL, "the region of " + p + " straddles the end of " + fn.name());
        int len = (int) (at - p.address());
        byte[] copied = kernel.memory().read(p.address(), len);
        copied[0] = p.savedOpcode();
        return new OptRegion(p.address(), len, copied);
    }
}
