// S12 (shared/spec/invariants.md): a hit after the OPTIMIZED flag but before the jump is written.
//
// Registering an optimizable probe arms its int3, flags it OPTIMIZED at once and queues it; the
// optimizer writes the jump OPTIMIZE_DELAY = 5 jiffies later, after its quiescent wait. The
// worker below calls the probed function all the time, so many hits land in between. Seed 001:
// "When the optimized-kprobe is hit before optimization, its handler changes IP to copied code
// and exits. So, those copied instructions are executed on the detour buffer": the int3 handler
// runs the pre handler, then sends ip to the region's copy in the detour buffer (no
// single-step, which would resume inside the region about to be patched). After the jump, hits
// run through the detour buffer's optimized callback. Every hit must still call the handler
// exactly once, and the worker must compute what it computes without the probe.
//
// Functional row: no knob. The spec reads the event log to show both kinds of hits happened.
scenario {
    name 'S12: probe hit between the OPTIMIZED flag and the jump'
    machine { cpus 2; bits 64; preempt false; tick hz: 500000; clock ghz: 2.33 }
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
        busy:   hlt                 # CPU-bound work, without simulating every instruction:
                call cond_resched   # its time slices make the worker switch (quiescent states)
                jmp  busy
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        def p = kprobe 'target', pre: { regs -> 0 }
        optimize p                  // returns once the jump is written
        sleep 20.us
        unregister p
    }
    check 'handler-exactly-once', 'probe-transparency', 'no-resume-inside-patched-region', 'slot-not-freed-while-in-use', 'no-oops'
    explore strategy: 'random', schedules: 5000
}
