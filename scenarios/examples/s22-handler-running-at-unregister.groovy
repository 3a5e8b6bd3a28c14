// S22 (shared/spec/invariants.md): unregister waits for handlers still running.
//
// unregister_kprobe disarms and unhashes the probe, then waits for a quiescent period
// (synchronize_sched) before it returns. A CPU that hit the probe just before the disarm may
// still be in its handlers: here the pre handler does about 2 us of work (it calls `slow`),
// and the post handler follows the single-step, all with preemption off. The wait lets that
// CPU finish, so the caller may then free the handlers' code.
//
// `--knob skipSyncOnUnregister` returns at once: the other CPU's post handler can start after
// unregister returned (no-handler-after-unregister).
scenario {
    name 'S22: a handler running on another CPU while unregister returns'
    machine { cpus 2; bits 64; preempt false; tick hz: 100000; clock ghz: 2.33 }
    probes  { era '2006' }
    text '''
        target: push %rbp
                mov  %rsp, %rbp
                add  $1, %rax
                pop  %rbp
                ret
        worker: call target
                call cond_resched
                jmp  worker
        busy:   hlt                     # CPU-bound work: the tick's context switches to and
                call cond_resched       # from it are the quiescent states synchronize_sched
                jmp  busy               # waits for (the worker alone would never switch)
        slow:   mov  $2000, %rcx        # the pre handler's work: about 4000 cycles
        spin:   dec  %rcx
                jnz  spin
                ret
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        def p = kprobe 'target', pre: { regs -> regs.call('slow'); 0 }, post: { regs -> }
        sleep 10.us
        unregister p
        sleep 5.us
    }
    check 'no-handler-after-unregister', 'handler-exactly-once', 'no-oops'
    limits settle: 5.us
    explore strategy: 'random', schedules: 5000
}
