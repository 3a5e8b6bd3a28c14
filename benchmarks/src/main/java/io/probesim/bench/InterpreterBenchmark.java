package io.probesim.bench;

import io.probesim.x86.asm.Assembler;
import io.probesim.x86.cpu.Cpu;
import io.probesim.x86.mem.Memory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The bare interpreter on a small loop of ALU, stack and branch instructions, one CPU, no
 * kernel. One operation = one instruction. (The seed 004 loop arrives with issue 3.)
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class InterpreterBenchmark {

    private static final int STEPS = 10_000;
    private static final long TEXT = 0xffffffff81000000L;
    private static final long STACK = 0xffffc90000000000L;

    private Cpu cpu;
    private Cpu seedLoop;

    @Setup
    public void setUp() {
        var asm = Assembler.assemble("""
                loop:   push %rbp
                        mov  %rsp, %rbp
                        add  $1, %rax
                        xor  %rax, %rbx
                        call leaf
                        pop  %rbp
                        cmp  $0, %rcx
                        jne  loop
                        jmp  loop
                leaf:   lea  1(%rdi), %rdx
                        ret
                """, TEXT, io.probesim.x86.decode.Mode.BITS64);
        cpu = machine(asm.code());
    }

    /** The shape of seed 004's -O0 loop (fixtures/seed004): 10 instructions per iteration. */
    @Setup
    public void setUpSeedLoop() {
        var asm = Assembler.assemble("""
                start:  movl $0, -4(%rbp)
                        jmp  cond
                body:   mov  $0, %eax
                        call test
                        addl $1, -4(%rbp)
                cond:   cmpl $0xf423f, -4(%rbp)
                        jle  body
                        jmp  start
                test:   push %rbp
                        mov  %rsp, %rbp
                        nop
                        pop  %rbp
                        ret
                """, TEXT, io.probesim.x86.decode.Mode.BITS64);
        seedLoop = machine(asm.code());
        seedLoop.gpr[Cpu.RBP] = seedLoop.gpr[Cpu.RSP];
    }

    /** A CPU at the start of `code` (mapped at TEXT) with a 16 KiB stack. */
    private static Cpu machine(byte[] code) {
        Memory memory = new Memory();
        memory.map(TEXT, code.length, Memory.R | Memory.X);
        memory.poke(TEXT, code);
        memory.map(STACK, 16384, Memory.R | Memory.W);
        Cpu c = new Cpu(memory, io.probesim.x86.decode.Mode.BITS64);
        c.rip = TEXT;
        c.gpr[Cpu.RSP] = STACK + 16384 - 64;
        return c;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long seedLoop() {
        int r = 0;
        for (int i = 0; i < STEPS; i++) r |= seedLoop.step();
        return r;
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long steps() {
        int r = 0;
        for (int i = 0; i < STEPS; i++) r |= cpu.step();
        return r;
    }
}
