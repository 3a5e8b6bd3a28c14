// S21 (shared/spec/invariants.md): a kprobe inside an NMI handler, then a second NMI.
//
// A CPU blocks NMIs from taking one until the next iret (SDM vol. 3, 6.7.1), whichever iret
// that is. A kprobe hit inside the NMI handler ends with the int3 handler's iret, so NMIs are
// open again while the handler still runs (seed 001: "int3 inside NMI handler will unblock NMI
// blocking"). On x86-64 every NMI writes its frame at the top of the CPU's one NMI stack, so a
// second NMI arriving now would write over the frame of the NMI in progress, which would then
// return into its own handler. Linux's entry code (since 3.3) detects the nesting, leaves the
// outer frame alone and repeats the handler when it finishes; this kernel has that protection,
// so the scenario holds: the second NMI becomes a repeat.
//
// `--knob noNmiNestingGuard` takes the protection out (a kernel before 3.3): in some schedule the
// second NMI lands after the int3's iret (or waits for it) and overwrites the frame.
scenario {
    name 'S21: int3 inside an NMI handler, then a nested NMI'
    machine { cpus 2; bits 64; preempt true; tick hz: 100000; clock ghz: 2.33; nmi handler: 'nmi_handler' }
    probes  { era '2006' }
    text '''
        worker:      inc  %rax
                     jmp  worker
        nmi_handler: push %rbp              # the probe: its int3 ends with an iret
                     mov  $300, %ecx        # ~0.5 us of handler work after it
        spin:        dec  %ecx
                     jnz  spin
                     pop  %rbp
                     ret
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'tracer', cpu: 1, {
        kprobe 'nmi_handler'
        sleep 5.us
        nmi cpu: 0                      // the first NMI, at once
        nmi cpu: 0, within: 1.us        // the second, somewhere in the next 1 us
        sleep 3.us                      // both handlers are done by then; the run settles
    }
    check 'nmi-frame-integrity', 'no-oops'
    limits settle: 2.us
    explore strategy: 'random', schedules: 5000
}
