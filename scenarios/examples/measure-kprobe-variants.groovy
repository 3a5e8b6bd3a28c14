// measure: what each probe variant costs on your own code (DESIGN.md "Reports").
//
// Each `measure` word runs the scenario's text on a one-CPU machine twice: once with the probe
// on `at`, once without, calling `call` `hits` times after a warm-up (the first hit of a
// boostable probe single-steps to measure its copy). Per hit = the difference / hits, in
// cycles, instructions and traps; ns at the machine's clock. The variant decides the kernel:
// 'plain' runs CONFIG_PREEMPT (2010 kernels never boost there), 'booster' and 'optimized' a
// non-preemptible one (seed 001's optimizer supports only that).
//
// Run it:  ./probesim report timing --scenario scenarios/examples/measure-kprobe-variants.groovy
// (cost model calibrated on seed 001's x86-64 column; --no-fit for the defaults).
scenario {
    name 'measure: kprobe and kretprobe variants on a small checksum function'
    machine { cpus 1; bits 64; preempt false; clock ghz: 2.33 }
    probes  { era '2010' }
    text '''
        csum:   push %rbp
                mov  %rsp, %rbp
                mov  %rdi, %rax
                xor  $0x5a, %rax
                add  $7, %rax
                pop  %rbp
                ret
        driver: call csum
                ret
    '''
    measure 'kprobe',    variant: 'plain',     at: 'csum', call: 'driver', hits: 1000
    measure 'kprobe',    variant: 'booster',   at: 'csum', call: 'driver', hits: 1000
    measure 'kprobe',    variant: 'optimized', at: 'csum', call: 'driver', hits: 1000
    measure 'kretprobe', variant: 'booster',   at: 'csum', call: 'driver', hits: 1000
}
