// S13 (shared/spec/invariants.md): a reentrant hit counts a miss instead of recursing.
//
// The probe's pre handler calls the probed function itself (once: `depth` stops it there), as
// a handler calling a traced helper would. The nested call traps on the same int3 while this
// CPU is already handling a probe: the kernel notices (kprobe_running()), counts a miss,
// single-steps the nested instruction without handlers and restores the outer probe's state
// from the control block's one-level save area.
//
// `--knob noReentrancyGuard` handles the nested hit like a first one: it runs the handler and
// single-steps, then clears current_kprobe. The outer hit's single-step then ends in a debug
// trap that no probe claims: the kernel oopses (no-oops).
scenario {
    name 'S13: a handler calls the probed function'
    machine { cpus 2; bits 64; preempt false; tick hz: 100000; clock ghz: 2.33 }
    probes  { era '2006' }
    text '''
        target: push %rbp
                mov  %rsp, %rbp
                lea  1(%rdi), %rax
                pop  %rbp
                ret
        worker: mov  $7, %rdi
                call target
                mov  %rax, %rbx
                call cond_resched
                jmp  worker
        busy:   hlt                     # CPU-bound work: the tick's context switches to and
                call cond_resched       # from it are the quiescent states synchronize_sched
                jmp  busy               # waits for (the worker alone would never switch)
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        int depth = 0
        def p = kprobe 'target', pre: { regs ->
            if (depth == 0) { depth++; regs.call('target', 1); depth-- }
            0
        }, post: { regs -> }
        sleep 10.us
        unregister p
    }
    check 'handler-exactly-once', 'no-oops', 'probe-transparency'
    limits settle: 5.us
    explore strategy: 'random', schedules: 5000
}
