// S10 (shared/spec/invariants.md): no instruction with an exception-table entry in the function (seed 001).
//
// get_user_long reads a user pointer with `mov (%rsi),%rsi` (get_user_long+0x2), which has an
// __ex_table entry: a fault there resumes at the fixup in .fixup, which sets -EFAULT and jumps
// back into the function, to get_user_long+0x5. The worker passes a bad user pointer, so every
// call faults and comes back through the fixup. A probe on get_user_long+0x2 covers 6 bytes
// (the load and the store after it): the fixup's jump lands on byte 3 of the region. Seed 001:
// "NO instruction which will cause exception by checking exception_tables (this will jump to
// fixup code and fixup code jumps into same function body)". can_optimize refuses; the probe
// stays an int3 kprobe, whose single-step of the faulting copy hands the fault back to the
// probed address (kprobe_fault_handler), so the fixup runs as without the probe.
//
// `--knob skipExtableCheck` drops that check, and the probe is optimized. The first hit after it
// is flagged runs the copied load in the detour buffer, where the fault has no exception-table
// entry: an oops (`no-oops`), which is what the explorer finds first. The other consequence seed
// 001 names, the fixup's jump landing inside the written jump (`no-jump-into-region`), needs the
// worker to sit in the fixup code for the whole optimizer delay, which these schedules do not reach.
scenario {
    name 'S10: exception fixup returning into an optimized region'
    machine { cpus 2; bits 64; preempt false; tick hz: 200000; clock ghz: 2.33 }
    probes  { era 'modern' }
    load '../../fixtures/kstyle/kstyle.o'
    text '''
        worker: sub  $16, %rsp
        again:  mov  %rsp, %rdi       # value: on the stack
                mov  $0x18, %rsi      # uaddr: an unmapped user address
                call get_user_long    # -EFAULT through the fixup
                call cond_resched
                jmp  again
        busy:   hlt                   # other work on cpu 0: cond_resched switches, RCU sees quiescent states
                call cond_resched
                jmp  busy
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        kprobe 'get_user_long+0x2'
        sleep 80.us 
    }
    check 'no-jump-into-region', 'no-oops'
    explore strategy: 'random', schedules: 5000
}
