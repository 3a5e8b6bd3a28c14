// S4 (shared/spec/invariants.md): the optimizer's wait is only sufficient on !CONFIG_PREEMPT.
//
// Seed 001, note (**): "synchronize_sched() can ensure that all interruptions which were
// executed when synchronize_sched() was called are done, only if CONFIG_PREEMPT=n". On this
// CONFIG_PREEMPT machine the tick may preempt the worker at the 2nd or 3rd instruction of the
// region `push; mov; add` (bytes 1 and 4 of the 8 the jump covers); the three busy tasks then
// keep it off the CPU for 3 x 4 ticks. The tracer registers the probe meanwhile; 5 jiffies
// later the optimizer waits and writes the jump.
//
// `--era 2010`: synchronize_sched ends at a busy task's context switch, although the
// preempted worker still has its ip inside the region: the jump is written over it and the
// worker resumes in its middle (no-resume-inside-patched-region).
// Default `era 'modern'` (since v4.15): synchronize_rcu_tasks waits until every task has
// switched voluntarily, so the worker leaves the region before the jump is written.
scenario {
    name 'S4: optimized jump on CONFIG_PREEMPT, a task preempted inside the region'
    // 2 us ticks keep each schedule short (5 jiffies = 10 us); the race does not depend on HZ.
    machine { cpus 2; bits 64; preempt true; tick hz: 500000, slice: 4; clock ghz: 2.33 }
    probes  { era 'modern' }
    text '''
        target: push %rbp               # the region: push, mov, add = 8 bytes
                mov  %rsp, %rbp
                add  $1, %rax
                pop  %rbp
                ret
        worker: call target
                call cond_resched
                jmp  worker
        busy:   hlt                     # CPU-bound work, without simulating every instruction:
                call cond_resched       # the task keeps the CPU until its slice ends
                jmp  busy
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy1',  cpu: 0, entry: 'busy'
    task 'busy2',  cpu: 0, entry: 'busy'
    task 'busy3',  cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        sleep 10.us            // after the worker's first slice: it may be preempted in the region
        def p = kprobe 'target', pre: { regs -> 0 }
        optimize p
        sleep 4.us
        unregister p
    }
    check 'no-resume-inside-patched-region', 'handler-exactly-once', 'probe-transparency', 'slot-not-freed-while-in-use', 'no-oops'
    explore strategy: 'random', schedules: 5000
}
