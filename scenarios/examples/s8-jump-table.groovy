// S8 (shared/spec/invariants.md): no optimization in a function with an indirect jump (seed 001).
//
// dispatch_op is a switch gcc compiled to a jump table: `jmp *table(,%rdi,8)`. The probe sits on
// the `ret` of case 8 (dispatch_op+0x1e); its 5-byte region takes in the nop and the first
// instruction of case 9, which the jump table targets (dispatch_op+0x20, byte 2 of the region).
// can_optimize cannot see where an indirect jump goes, so it refuses any function that has one
// (seed 001: "checks there is NO indirect jump"); the probe stays an int3 kprobe.
//
// `--knob skipIndirectJumpCheck` drops that check: once the jump is written, dispatch_op(9, ...)
// goes through the table into the middle of it.
scenario {
    name 'S8: jump table into an optimized region'
    machine { cpus 2; bits 64; preempt false; tick hz: 200000; clock ghz: 2.33 }
    probes  { era 'modern' }
    load '../../fixtures/kstyle/kstyle.o'
    text '''
        worker: mov  $8, %edi         # case 8: a >> b, through the probed ret
                mov  $1000, %rsi
                mov  $2, %rdx
                call dispatch_op
                mov  $9, %edi         # case 9: -a, the table's target inside the region
                call dispatch_op
                call cond_resched
                jmp  worker
        busy:   hlt                   # other work on cpu 0: cond_resched switches, RCU sees quiescent states
                call cond_resched
                jmp  busy
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        kprobe 'dispatch_op+0x1e'
        sleep 80.us 
    }
    check 'no-jump-into-region', 'no-oops'
    explore strategy: 'random', schedules: 5000
}
