// S7 (shared/spec/invariants.md): an optimized region must not straddle the function end (seed 001).
//
// gcc moves a function's unlikely paths out of line: dispatch_op's default case is
// dispatch_op.cold in .text.unlikely, which the module loader places right after .text, i.e.
// right after do_work's last instruction. A probe on that last instruction (do_work+0x124, a
// one-byte ret) covers 5 bytes only by taking in the first 4 bytes of dispatch_op.cold. Seed 001:
// "checks whether the optimized region ... does NOT straddle the function boundary, because if
// the optimized region reaches the next function, its caller causes unexpected results". Here the
// caller is dispatch_op(10, ...): its `ja` lands on byte 1 of the jump written over the region.
// can_optimize refuses (1 byte to the end of do_work) and the probe stays an int3 kprobe.
//
// `--knob skipBoundaryCheck` drops that check: the jump is written, and the next call of
// dispatch_op with op 10 (do_work makes one on every run) jumps into it.
scenario {
    name 'S7: optimized region straddling the function end'
    machine { cpus 2; bits 64; preempt false; tick hz: 200000; clock ghz: 2.33 }
    probes  { era 'modern' }
    load '../../fixtures/kstyle/kstyle.o'
    text '''
        worker: mov  $3, %rdi
                call do_work
                call cond_resched
                jmp  worker
        busy:   hlt                   # other work on cpu 0: cond_resched switches, RCU sees quiescent states
                call cond_resched
                jmp  busy
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        kprobe 'do_work+0x124'
        sleep 80.us                    // the optimizer runs 5 jiffies (25 us) after registration
    }
    check 'no-jump-into-region', 'no-oops'
    explore strategy: 'random', schedules: 5000
}
