// The DSL words `at` and `invariant` (not a safety-matrix row).
//
// A tracer on cpu 1 probes `target` while a worker on cpu 0 calls it in a loop; at 15 us
// exactly (no timer slack), a timed task on cpu 1 probes it again for 5 us.
// Two invariants of the scenario's own, evaluated after every event a host task logs and at the
// end of each schedule:
//   - probe-point-byte: the first byte of target is always its own opcode, push %rbp (0x55,
//     Intel SDM: PUSH r64 is 50+rd, rbp = 5), or int3 (0xCC) while a probe is armed; text
//     patching never leaves a third value there.
//   - hit-once-armed: from 5 us on the worker, which calls target back to back, has hit the
//     probe at least once (the handler-call count of the event log is not 0).
scenario {
    name 'custom invariants and a timed task'
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
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'tracer', cpu: 1, {
        def p = kprobe 'target'
        sleep 10.us
        unregister p
    }
    at 15.us, cpu: 1, {
        def q = kprobe 'target'
        sleep 5.us
        unregister q
    }
    invariant 'probe-point-byte', { state -> state.read8('target') in [0x55, 0xcc] }
    invariant 'hit-once-armed', { state -> state.time < 5.us.ps || state.hits('target') > 0 }
    check 'slot-not-freed-while-in-use', 'probe-transparency', 'handler-exactly-once', 'no-oops'
    limits settle: 5.us
    explore strategy: 'random', schedules: 5000
}
