// S6 (shared/spec/invariants.md): text_poke_bp's int3 protocol with core syncs (v3.12).
//
// Modern kernels write the optimized jump over the probed region's first 5 bytes without
// stopping the machine: text_poke_bp stores an int3 over the first byte (here already the
// probe's int3), syncs every core (an IPI whose handler serializes), stores the 4 tail bytes,
// syncs, stores the jump's first byte e9, syncs. A CPU that runs `target` meanwhile sees the old
// instruction, the int3 (sent on to the detour buffer by poke_int3_handler) or the new jump,
// never a mix: each sync drops whatever it had fetched before the store (Intel SDM vol. 3,
// 8.1.3: cross-modified code needs a serializing instruction on the executing CPU).
//
// The worker on cpu 0 calls `target` in a loop; before each call it spins on a `loop`
// instruction 9 bytes before `target`, so cpu 0 nearly always holds target's first bytes in its
// 16-byte prefetch window (StalePrefetch.LOOKAHEAD) without having executed them. The spin
// (~2000 cycles) is longer than the gap between two stores of a write (CostTable.TEXT_POKE, 400
// cycles) and shorter than the 2 us tick, whose iret would serialize cpu 0. The optimizer
// (kprobe_optimizer, on cpu 1) writes the jump 5 jiffies after the probe is registered.
//
// `--knob pokeBpSkipSync` leaves the syncs out: cpu 0 can keep the old tail bytes it fetched
// before the tail store and combine them with the e9 stored after it, a torn jump, or run its old
// copy after the write has ended; the explorer finds it (`no-torn-fetch`).
scenario {
    name 'S6: text_poke_bp writing the optimized jump with its core syncs'
    machine { cpus 2; bits 64; preempt false; tick hz: 500000; clock ghz: 2.33 }
    probes  { era 'modern' }
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
