scenario {
    name 'booster: unregister while a task is preempted in the slot'
    machine { cpus 2; bits 64; preempt true; tick hz: 1000; clock ghz: 2.33 }
    probes  { era '2006'; knob 'boostPreemptible' }
    text '''
        target: push %rbp
                mov  %rsp, %rbp
                add  $1, %rax
                pop  %rbp
                ret
        worker: call target
                jmp  worker
    '''                                   // or: load 'fixtures/funcs.o' (gcc output)
    task 'worker', cpu: 0, entry: 'worker'               // an x86 kernel thread
    task 'tracer', cpu: 1, {                             // a host task: steps run in order
        def p = kprobe 'target', pre: { regs -> }
        sleep 30.us
        unregister p
        kprobe 'target+1'                                // may reuse the freed slot
    }
    check 'slot-not-freed-while-in-use', 'probe-transparency'
    explore strategy: 'pct', depth: 3, schedules: 5000
}
