// B2 (shared/spec/invariants.md, "beyond the seeds"): seed 001's TODO, "Support preemptive
// kernel (by stack unwinding and checking address)".
//
// A design no kernel shipped: the 2010 optimizer (synchronize_sched, then text_poke_smp under
// stop_machine) on a CONFIG_PREEMPT kernel, plus one step after the wait: the optimizer looks at
// every live ip and saved frame (each CPU's ip, every trap frame, every preempted or blocked
// task's saved ip: Kernel.forEachLiveIp) and, while one lies strictly inside a queued probe's
// region, leaves that probe queued and runs again OPTIMIZE_DELAY later instead of writing its
// jump. The design switch is `design 'b2'`.
//
// The race is S4's (s4-preempted-in-region.groovy): the tick preempts the worker inside the
// region and three busy tasks keep it off the CPU past the optimizer's synchronize_sched. With
// the scan it holds; `--knob` cannot take the scan away, so the unsafe direction is S4's own
// `--era 2010`.
scenario {
    name 'B2: 2010 optprobes on CONFIG_PREEMPT with a stack/ip scan instead of RCU-tasks'
    // 2 us ticks keep each schedule short (5 jiffies = 10 us); the race does not depend on HZ.
    machine { cpus 2; bits 64; preempt true; tick hz: 500000, slice: 4; clock ghz: 2.33 }
    probes  { era '2010'; design 'b2' }
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
