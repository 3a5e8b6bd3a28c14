// B1 (shared/spec/invariants.md, beyond the seeds): the 2006 kprobe-booster on CONFIG_PREEMPT,
// made safe by waiting for RCU-tasks before freeing slots.
//
// S1's race: a boosted probe runs its copied instruction from the slot with preemption enabled,
// so a task can be preempted with its ip inside the slot; synchronize_sched() completes at the
// other tasks' context switches, the slot is freed and handed to a new probe while the task
// still has to run from it. Seed 000 therefore does not boost there on CONFIG_PREEMPT.
//
// Design B1 (`probes { design 'b1' }`) boosts anyway and waits for synchronize_rcu_tasks()
// instead: a task preempted in kernel code holds that grace period until it runs again and
// switches voluntarily, which it does only after leaving the slot. The workload is S1's, with
// cond_resched() in the kernel loops (RCU-tasks needs kernel threads to switch voluntarily now
// and then, as real long-running kernel loops do). The scenario holds, and hits are still
// boosted (one trap per hit instead of two).
//
// Without the RCU-tasks wait (design off, `--knob boostPreemptible`: boost on PREEMPT with a
// plain synchronize_sched) it is S1 again and fails; NmiMatrix-style specs show both (B1Spec).
scenario {
    name 'B1: booster on CONFIG_PREEMPT made safe by waiting for RCU-tasks before freeing slots'
    machine { cpus 2; bits 64; preempt true; tick hz: 100000; clock ghz: 2.33 }
    probes  { era '2006'; design 'b1' }
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
