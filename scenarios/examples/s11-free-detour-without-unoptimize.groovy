// S11 (shared/spec/invariants.md): unoptimize (int3 + original bytes) before the detour buffer is freed.
//
// Once the jump is written, the worker spends most of its time inside the detour buffer: the
// register saves, the optimized callback, the restores, the copied instructions and the jump
// back. Seed 001: unregistering first puts int3 and the original bytes back over the jump; the
// probe is then unhashed, and after synchronize_sched (no CPU is in the buffer any more) the
// buffer goes back to its slot cache, dirty: reused only after one more quiescent period.
// The tracer then registers and optimizes a probe again, which takes a buffer from the cache.
//
// `--knob freeDetourWithoutUnoptimize` gives the buffer back (clean) before unoptimizing: a
// CPU inside it at that moment is running code that no longer belongs to anyone
// (slot-not-freed-while-in-use), and the next probe is handed the same buffer.
scenario {
    name 'S11: detour buffer freed before the probe is unoptimized'
    // 2 us ticks keep each schedule short (5 jiffies = 10 us); the race does not depend on HZ.
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
        busy:   hlt                     # CPU-bound work, without simulating every instruction:
                call cond_resched       # its time slices make the worker switch (quiescent states)
                jmp  busy
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        def p = kprobe 'target', pre: { regs -> 0 }
        optimize p
        sleep 4.us
        unregister p
        def q = kprobe 'target', pre: { regs -> 0 }
        optimize q
        sleep 2.us
        unregister q
    }
    check 'slot-not-freed-while-in-use', 'no-resume-inside-patched-region', 'handler-exactly-once', 'probe-transparency', 'no-oops'
    explore strategy: 'random', schedules: 5000
}
