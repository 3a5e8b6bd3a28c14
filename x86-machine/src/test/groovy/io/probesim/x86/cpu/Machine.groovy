package io.probesim.x86.cpu

import io.probesim.x86.decode.Mode
import io.probesim.x86.mem.Memory

/**
 * A one-CPU test machine: code (R|X) at CODE, a stack (R|W) below STACK_TOP, data (R|W) at DATA.
 * With {@code user}, every page also has U, so the code may run at CPL 3.
 */
class Machine {
    static final long CODE = 0xffffffff81000000L
    static final long STACK_TOP = 0xffffc90000010000L
    static final long DATA = 0x600000L

    final Memory mem = new Memory()
    final Cpu cpu
    final byte[] code

    Machine(String att, int codePerms = Memory.R | Memory.X, boolean user = false) {
        int u = user ? Memory.U : 0
        code = GnuAs.assemble(att)
        mem.map(CODE, Math.max(code.length, 1), codePerms | u)
        mem.poke(CODE, code)
        mem.map(STACK_TOP - 0x4000, 0x4000, Memory.R | Memory.W | u)
        mem.map(DATA, 0x2000, Memory.R | Memory.W | u)
        cpu = new Cpu(mem, Mode.BITS64)
        cpu.rip = CODE
        cpu.gpr[Cpu.RSP] = STACK_TOP
    }

    /** Steps until a result other than OK (or n steps); returns that result (OK when n ran out). */
    int run(int n = 1000) {
        for (int i = 0; i < n; i++) {
            int r = cpu.step()
            if (r != Step.OK) return r
        }
        Step.OK
    }

    long reg(int r) { cpu.gpr[r] }
}
