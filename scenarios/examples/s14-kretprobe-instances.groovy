// S14 (shared/spec/invariants.md): kretprobe instances and the return-address restore.
//
// A kretprobe with maxactive 1 on a recursive function, called by two workers on one CPU that
// the tick preempts between a call's entry and its return. Only one call in flight anywhere can
// hold the instance: the recursion's inner calls and the other worker's calls find the free
// list empty, run unprotected and are counted in nmissed. Whatever the interleaving, every
// protected call must come back through the trampoline to its own caller, and no call may
// be left unprotected without being counted (return-address-integrity); the workers' results
// must be those of the run without probes (probe-transparency). Functional: no knob.
scenario {
    name 'S14: kretprobe maxactive 1 under recursion and preemption'
    machine { cpus 2; bits 64; preempt true; tick hz: 100000; clock ghz: 2.33 }
    probes  { era '2006' }
    text '''
        fact:     cmp  $1, %rdi           # fact(n) = n!, recursively
                  jbe  fact_one
                  push %rdi
                  dec  %rdi
                  call fact
                  pop  %rdi
                  imul %rdi, %rax
                  ret
        fact_one: mov  $1, %rax
                  ret
        worker:   mov  $5, %rdi
                  call fact
                  mov  %rax, %rbx         # the checkpoint compares rbx: 120 each round
                  jmp  worker
    '''
    task 'worker1', cpu: 0, entry: 'worker'
    task 'worker2', cpu: 0, entry: 'worker'
    task 'tracer',  cpu: 1, {
        def rp = kretprobe 'fact', handler: { regs -> }, maxactive: 1
        sleep 20.us
        unregister rp
    }
    check 'return-address-integrity', 'probe-transparency', 'handler-exactly-once', 'no-oops'
    limits settle: 5.us
    explore strategy: 'random', schedules: 5000
}
