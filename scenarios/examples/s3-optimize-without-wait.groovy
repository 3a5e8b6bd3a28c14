// S3 (shared/spec/invariants.md): the optimizer waits for a quiescent period before writing the jump.
//
// Seed 001: "Please imagine that 2nd instruction is interrupted and optimizer replaces the 2nd
// instruction with jump *address* while the interrupt handler is running. When the interrupt
// returns to original address, there is no valid instructions." Here the interrupt is one
// whose work runs for about 20 us with interrupts enabled, as softirqs at irq_exit do (the
// scenario uses the machine's NMI source to raise it; its handler enables interrupts, so the
// sync IPIs of text_poke_bp are taken inside it and do not flush the interrupted worker). The
// tracer raises it on the worker's CPU just before it registers the probe, so the worker may be interrupted at any of its instructions, among them
// the 2nd and 3rd of the region `push; mov; add` (bytes 1 and 4 of the 8 the jump covers).
// The optimizer's work runs OPTIMIZE_DELAY = 5 jiffies later (10 us with these 2 us ticks). Its wait for a
// quiescent period (synchronize_rcu_tasks, modern) cannot end while the worker's CPU is in the
// NMI: the worker leaves the region before its next context switch, and the jump is written
// after that.
//
// `--knob optimizeWithoutWait` writes the jump at once: the NMI then returns into the middle of
// it (no-resume-inside-patched-region).
scenario {
    name 'S3: optimizer writes the jump without waiting for a quiescent period'
    machine { cpus 2; bits 64; preempt false; tick hz: 500000; clock ghz: 2.33; nmi handler: 'nmi_handler' }
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
        nmi_handler:                    # stands in for an interrupt whose work runs long with
                sti                     # interrupts enabled (irq_exit's softirqs): other
                mov  $15000, %ecx       # interrupts, text_poke_bp's sync IPIs among them, are
        spin:   dec  %ecx               # taken inside it while the worker stays interrupted
                jnz  spin
                cli
                ret
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        nmi cpu: 0, within: 2.us
        sleep 2.us
        def p = kprobe 'target', pre: { regs -> 0 }
        optimize p
        sleep 10.us
        unregister p
    }
    check 'no-resume-inside-patched-region', 'handler-exactly-once', 'slot-not-freed-while-in-use', 'no-oops'
    explore strategy: 'random', schedules: 5000
}
