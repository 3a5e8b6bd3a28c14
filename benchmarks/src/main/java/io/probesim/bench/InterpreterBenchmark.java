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
        Memory memory = new Memory();
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
        memory.map(TEXT, asm.code().length, Memory.R | Memory.X);
        memory.poke(TEXT, asm.code());
        memory.map(STACK, 16384, Memory.R | Memory.W);
        cpu = new Cpu(memory, io.probesim.x86.decode.Mode.BITS64);
        cpu.rip = TEXT;
        cpu.gpr[Cpu.RSP] = STACK + 16384 - 64;
    }

    /** The shape of seed 004's -O0 loop (fixtures/seed004): 10 instructions per iteration. */
    @Setup
    public void setUpSeedLoop() {
        Memory memory = new Memory();
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
        memory.map(TEXT, asm.code().length, Memory.R | Memory.X);
        memory.poke(TEXT, asm.code());
        memory.map(STACK, 16384, Memory.R | Memory.W);
        seedLoop = new Cpu(memory, io.probesim.x86.decode.Mode.BITS64);
        seedLoop.rip = TEXT;
        seedLoop.gpr[Cpu.RSP] = STACK + 16384 - 64;
        seedLoop.gpr[Cpu.RBP] = STACK + 16384 - 64;
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
