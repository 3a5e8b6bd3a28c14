// S1 (shared/spec/invariants.md): the 2006 kprobe-booster on a CONFIG_PREEMPT kernel.
//
// A boosted probe runs its copied instruction straight from the instruction slot with
// preemption enabled again, so a task can be preempted with its ip inside the slot. Seed 000's
// rule: on CONFIG_PREEMPT, boost only where preemption is already disabled at the probe point.
// The worker below runs with preemption enabled, so the 2006 kernel single-steps it instead
// (interrupts off, never preempted in the slot) and this scenario holds.
//
// `--knob boostPreemptible` drops the rule: the tick preempts the worker inside the slot, the
// two busy tasks keep it off the CPU, the tracer unregisters the probe (synchronize_sched
// completes at the busy tasks' context switch), the slot is freed and handed to a new probe.
scenario {
    name 'S1: booster on CONFIG_PREEMPT, a task preempted inside a boosted slot'
    // A 10 us tick (HZ=100000) keeps each schedule short; the race does not depend on HZ.
    machine { cpus 2; bits 64; preempt true; tick hz: 100000; clock ghz: 2.33 }
    probes  { era '2006' }
    text '''
        target: push %rbp
                mov  %rsp, %rbp
                add  $1, %rax
                pop  %rbp
                ret
        worker: call target
                jmp  worker
        busy:   hlt                 # CPU-bound work, without simulating every instruction:
                jmp  busy           # the task keeps the CPU until the tick preempts it
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy1',  cpu: 0, entry: 'busy'
    task 'busy2',  cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        def p = kprobe 'target'
        sleep 30.us
        unregister p
        kprobe 'target+1'        // the freed slot is the first clean one: it is handed out again
    }
    check 'slot-not-freed-while-in-use', 'probe-transparency', 'handler-exactly-once', 'no-oops'
    explore strategy: 'random', schedules: 5000
}
