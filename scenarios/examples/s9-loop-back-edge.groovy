// S9 (shared/spec/invariants.md): no near jump into the region except its first byte (seed 001).
//
// fib_recursive's loop (gcc turned one of its two recursive calls into a loop) ends with
// `jg fib_recursive+0x12`. A probe on fib_recursive+0xf covers `mov %rdi,%rbx` (3 bytes) and
// `lea -0x1(%rbx),%rdi` (4 bytes): the back-edge targets byte 3 of the region, the middle of the
// jump that would replace it. can_optimize decodes the whole function and refuses (seed 001:
// "NO near jump which jumps into the optimized region (except the 1st byte of jump)").
// (checksum_loop, the fixture's other loop, has no optimizable region around its back-edge
// target: every region there ends exactly at it or holds a non-boostable instruction.)
//
// `--knob skipJumpTargetCheck` drops that check: fib_recursive(5) takes the back-edge into the
// written jump.
scenario {
    name 'S9: loop back-edge into an optimized region'
    machine { cpus 2; bits 64; preempt false; tick hz: 200000; clock ghz: 2.33 }
    probes  { era 'modern' }
    load '../../fixtures/kstyle/kstyle.o'
    text '''
        worker: mov  $5, %rdi
                call fib_recursive
                call cond_resched
                jmp  worker
        busy:   hlt                   # other work on cpu 0: cond_resched switches, RCU sees quiescent states
                call cond_resched
                jmp  busy
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        kprobe 'fib_recursive+0xf'
        sleep 80.us 
    }
    check 'no-jump-into-region', 'no-oops'
    explore strategy: 'random', schedules: 5000
}
