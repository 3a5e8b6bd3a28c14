// S2 (shared/spec/invariants.md): synchronize_sched() before freeing a boosted slot.
//
// On a kernel without CONFIG_PREEMPT the 2006 booster is always used. When the probe is
// unregistered, another CPU may still be about to execute the slot: inside the int3 handler's
// return path, or in a timer interrupt taken at the slot's first instruction. Seed 000:
// "When unregistering a boosted kprobe, it calls synchronize_sched() after int3 is removed",
// after which no CPU is in an interrupt handler or in the slot. The workers reach quiescent
// states through cond_resched(), as non-preemptible kernel code must.
//
// `--knob skipSyncBeforeFree` frees the slot without that wait.
scenario {
    name 'S2: booster slot freed without synchronize_sched'
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
        busy:   hlt                 # CPU-bound work, without simulating every instruction
                call cond_resched
                jmp  busy
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        def p = kprobe 'target'
        sleep 30.us
        unregister p
        kprobe 'target+1'
    }
    check 'slot-not-freed-while-in-use', 'probe-transparency', 'handler-exactly-once', 'no-oops'
    explore strategy: 'random', schedules: 5000
}
