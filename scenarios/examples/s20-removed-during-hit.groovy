// S20 (shared/spec/invariants.md; spec kprobes-x86.md 2.7): a probe removed concurrently with a hit.
//
// The worker on cpu 0 takes the int3 of the probe on `target`; between the trap (frame pushed,
// interrupts off) and do_int3's lookup, the tracer on cpu 1 unregisters the probe: it writes
// the original byte back and unhashes the probe. do_int3 then finds no probe at the address and
// no int3 there any more. The kernel knows what happened (another CPU removed the probe right
// after we hit it), backs ip up over the vanished int3 and runs the original instruction.
//
// The window is a few instructions wide; what widens it is anything that delays the trapping
// CPU between entry and lookup. Interrupts are off there, NMIs are not: the tracer raises an
// NMI on cpu 0 within 100 ns of its unregister, and the NMI handler (a perf-style handler of
// about 1 us) runs on top of the int3's frame while the unregister completes.
// Era 2006: its disarm is one plain store of the saved byte (no text_poke_bp with its syncs),
// and its kprobe_handler already has the check [?: arch/i386/kernel/kprobes.c of 2.6.1x].
// The tracer registers and unregisters ten times, so each schedule has ten chances at the
// window; the busy task's context switches complete each synchronize_sched.
//
// `--knob noRemovedProbeCheck` drops the check: the trap counts as foreign, no handler on the
// notifier chain claims it, and the kernel oopses ("int3 ... that no one handles": no-oops).
// A user task would get SIGTRAP instead (task-not-killed); that side belongs to uprobes' core,
// whose user-mode int3 hook is not modelled yet, so this scenario checks no-oops.
scenario {
    name 'S20: a probe unregistered on another CPU while its hit is being taken'
    machine { cpus 2; bits 64; preempt false; tick hz: 100000; clock ghz: 2.33; nmi handler: 'nmi_handler' }
    probes  { era '2006' }
    text '''
        target: push %rbp
                mov  %rsp, %rbp
                add  $1, %rax
                pop  %rbp
                ret
        worker: call target
                call cond_resched
                jmp  worker
        busy:   hlt                     # CPU-bound work: the tick's context switches to and
                call cond_resched       # from it are the quiescent states synchronize_sched
                jmp  busy               # waits for
        nmi_handler: mov $1000, %ecx    # a perf-style NMI handler: about 1 us of work
        spin:   dec  %ecx
                jnz  spin
                ret
    '''
    task 'worker', cpu: 0, entry: 'worker'
    task 'busy',   cpu: 0, entry: 'busy'
    task 'tracer', cpu: 1, {
        10.times {
            def p = kprobe 'target'
            sleep 2.us
            nmi cpu: 0, within: 100.ns
            unregister p
        }
    }
    check 'no-oops', 'handler-exactly-once', 'probe-transparency'
    explore strategy: 'random', schedules: 5000
}
