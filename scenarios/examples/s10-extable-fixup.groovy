// S10 (shared/spec/invariants.md): no instruction with an exception-table entry in the function (seed 001).
//
// get_user_slow (fixtures/extable/get_user_slow.S, kstyle.c's get_user_long with a slow fixup)
// reads a user pointer with `mov (%rsi),%rsi` at get_user_slow+0x2, which has an __ex_table
// entry: a fault there resumes at the fixup in .fixup, which 12 times waits for the tick and
// passes a preemption point (hlt; cond_resched), sets -EFAULT and jumps back into the function,
// to get_user_slow+0x5.
// A probe on get_user_slow+0x2 covers 6 bytes (the load and the store after it): the fixup's
// jump lands on byte 3 of the region. Seed 001: "NO instruction which will cause exception by
// checking exception_tables (this will jump to fixup code and fixup code jumps into same function
// body)". can_optimize refuses; the probe stays an int3 kprobe, whose single-step of the faulting
// copy hands the fault back to the probed address (kprobe_fault_handler), so the fixup runs as
// without the probe.
//
// The worker's first call (and every 16th) passes a bad user pointer, the others a good one. The
// first call faults before the tracer registers the probe, and the worker stays in the fixup
// (yielding to `busy`) for longer than the optimizer's delay and quiescent wait.
//
// `--knob skipExtableCheck` drops the check: the probe is optimized while the worker sits in the
// fixup (not inside the region, so nothing waits for it), and the fixup's jump back lands on
// byte 3 of the written jump (`no-jump-into-region`). Later faulting calls would run the copied
// load in the detour buffer, where the fault has no exception-table entry (`no-oops`).
scenario {
    name 'S10: exception fixup returning into an optimized region'
    machine { cpus 2; bits 64; preempt false; tick hz: 200000; clock ghz: 2.33 }
    probes  { era 'modern' }
    load '../../fixtures/extable/get_user_slow.o'
    text '''
        worker: sub  $16, %rsp
                xor  %ebx, %ebx       # call counter
        again:  mov  %rsp, %rdi       # value: on the stack
                lea  8(%rsp), %rsi    # uaddr: a good pointer (on the stack) ...
                test $15, %rbx
                jnz  call
                mov  $0x18, %rsi      # ... except on the first and every 16th call: an unmapped user address
        call:   inc  %rbx
                call get_user_slow    # -EFAULT through the slow fixup on a bad pointer
                call cond_resched
                jmp  again
        busy:   hlt                   # other work on cpu 0: cond_resched switches, RCU sees quiescent states
                call cond_resched
                jmp  busy
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        sleep 2.us                    // the worker's first call has faulted: it is in the fixup
        kprobe 'get_user_slow+0x2'
        sleep 200.us
    }
    check 'no-jump-into-region', 'no-oops'
    explore strategy: 'random', schedules: 5000
}
