// S5 (shared/spec/invariants.md): text_poke_smp writes the optimized jump under stop_machine (seed 001).
//
// In 2.6.34 the optimizer replaces the first 5 bytes of the probed region (the armed int3 and
// the 4 bytes after it) with `jmp rel32` to the detour buffer using text_poke_smp: the bytes are
// written inside stop_machine, with every other CPU parked in its stopper, interrupts off, and
// serializing before it goes back to what it ran. memcpy stores the 5 bytes as a 4-byte word and
// then 1 byte, so without stop_machine another CPU may decode `target` between the two stores
// (the new e9 and 3 offset bytes with the old last byte: a jump to nowhere), or keep the bytes
// it fetched ahead before the stores and run them after the write (Intel SDM vol. 3, 8.1.3:
// cross-modified code needs a serializing instruction on the executing CPU).
//
// The worker on cpu 0 calls `target` in a loop; before each call it spins on a `loop`
// instruction 9 bytes before `target`, so cpu 0 nearly always holds target's first bytes in its
// 16-byte prefetch window (StalePrefetch.LOOKAHEAD) without having executed them. The spin
// (~2000 cycles) is longer than the gap between two stores of a write (CostTable.TEXT_POKE, 400
// cycles) and shorter than the 2 us tick, whose iret would serialize cpu 0. The optimizer
// (kprobe_optimizer, on cpu 1) writes the jump 5 jiffies after the probe is registered; under
// stop_machine the worker is parked at its cond_resched meanwhile and every schedule holds.
//
// `--knob pokeWithoutStopMachine` writes the same stores with cpu 0 running: the explorer finds
// cpu 0 executing a torn or stale copy of the region's first instruction (`no-torn-fetch`).
scenario {
    name 'S5: text_poke_smp writing the optimized jump under stop_machine'
    machine { cpus 2; bits 64; preempt false; tick hz: 500000; clock ghz: 2.33 }
    probes  { era '2010' }
    text '''
        worker: call cond_resched
                mov  $400, %ecx      # ~2000 cycles of work within 16 bytes of target: the
        spin:   loop spin            # prefetch window holds target's first bytes meanwhile
                call target
                jmp  worker
        target: push %rbp            # the region: push, mov, add = 8 bytes
                mov  %rsp, %rbp
                add  $1, %rax
                pop  %rbp
                ret
        busy:   hlt                  # other work on cpu 0: cond_resched switches (quiescent states)
                call cond_resched
                jmp  busy
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        def p = kprobe 'target', pre: { regs -> 0 }
        optimize p                   // returns once the jump is written
        sleep 10.us
    }
    check 'no-torn-fetch', 'handler-exactly-once', 'probe-transparency', 'no-oops'
    explore strategy: 'random', schedules: 5000
}
