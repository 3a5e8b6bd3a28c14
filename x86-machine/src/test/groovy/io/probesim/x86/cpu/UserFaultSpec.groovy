package io.probesim.x86.cpu

import io.probesim.x86.decode.Mode
import io.probesim.x86.mem.Memory
import spock.lang.Shared
import spock.lang.Specification

/**
 * User-mode (CPL 3) exceptions compared with the host CPU: the same code, at the same addresses,
 * with the same page protections, runs natively under a gcc-built harness ({@link FaultOracle})
 * and in the interpreter. Vector, rip and rsp at the exception, the #PF error code (P, W/R, U/S,
 * I/D) and CR2 must agree. Page protections map one to one: PROT_READ -> R|U, +PROT_WRITE -> W,
 * +PROT_EXEC -> X, PROT_NONE -> mapped with no permission (not present, as Linux keeps it).
 * The kernel text page (0xffffffff81000000) is a supervisor page in our model; on the host the
 * kernel reports user faults on kernel addresses with P set whatever its page tables hold, which
 * is what the SDM says for a present supervisor page.
 */
class UserFaultSpec extends Specification {

    static final long BASE = 0x5a5a000000L
    static final long CODE = BASE, DATA = BASE + 0x1000, RO = BASE + 0x2000, NONE = BASE + 0x3000,
                      HOLE = BASE + 0x4000, STACK = BASE + 0x5000, DATA2 = BASE + 0x6000, HOLE2 = BASE + 0x7000,
                      XPAGE = BASE + 0x8000, NXPAGE = BASE + 0x9000
    static final long SP = STACK + 0xf00
    static final long NONCANONICAL = 0x0000800000000000L
    static final long KERNEL_TEXT = 0xffffffff81000000L

    static final Map<Integer, Integer> PERMS = [0: 0, 1: Memory.R | Memory.U, 3: Memory.R | Memory.W | Memory.U,
                                                5: Memory.R | Memory.X | Memory.U, 7: Memory.R | Memory.W | Memory.X | Memory.U]

    @Shared List<FaultOracle.Case> cases = buildCases()

    def setupSpec() {
        FaultOracle.run(cases)
    }

    static List<FaultOracle.Page> layout() {
        [[CODE, 5], [DATA, 3], [RO, 1], [NONE, 0], [STACK, 3], [DATA2, 3]].collect { new FaultOracle.Page(addr: it[0], prot: it[1]) }
    }

    static FaultOracle.Case c(String name, String asm, Map regs = [:]) {
        def k = new FaultOracle.Case(name: name, pages: layout(), codeAddr: CODE, code: GnuAs.assemble(asm + '\nint3'), rsp: SP)
        regs.each { r, v -> k."$r" = v as long }
        k
    }

    static List<FaultOracle.Case> buildCases() {
        def list = [
            c('load from an unmapped page', 'mov (%rbx), %rax', [rbx: HOLE + 8]),
            c('store to an unmapped page', 'mov %rax, (%rbx)', [rbx: HOLE + 8]),
            c('store to a read-only page', 'mov %rax, (%rbx)', [rbx: RO + 8]),
            c('load from a read-only page, then int3', 'mov (%rbx), %rax', [rbx: RO + 8]),
            c('load from a PROT_NONE page', 'mov (%rbx), %rax', [rbx: NONE + 16]),
            c('store to a PROT_NONE page', 'mov %eax, (%rbx)', [rbx: NONE + 16]),
            c('add to memory on an unmapped page', 'add %eax, (%rbx)', [rbx: HOLE]),
            c('add to memory on a read-only page', 'add %eax, (%rbx)', [rbx: RO]),
            c('incl on a read-only page', 'incl (%rbx)', [rbx: RO + 4]),
            c('cmp with memory on an unmapped page', 'cmp %eax, (%rbx)', [rbx: HOLE + 4]),
            c('test with memory on an unmapped page', 'test %eax, (%rbx)', [rbx: HOLE + 4]),
            c('bt on an unmapped page', 'btl $3, (%rbx)', [rbx: HOLE]),
            c('bts on a read-only page', 'btsl $3, (%rbx)', [rbx: RO]),
            c('bts with a register offset on an unmapped page', 'bts %rcx, (%rbx)', [rbx: HOLE, rcx: 70]),
            c('neg on an unmapped page', 'negq (%rbx)', [rbx: HOLE]),
            c('shl by 0 on a read-only page', 'shll %cl, (%rbx)', [rbx: RO, rcx: 0]),
            c('xadd on an unmapped page', 'xadd %eax, (%rbx)', [rbx: HOLE]),
            c('movs into a read-only page', 'movsb', [rsi: DATA, rdi: RO]),
            c('cmps from an unmapped page', 'cmpsb', [rsi: DATA, rdi: HOLE]),
            c('xchg with a read-only page', 'xchg %eax, (%rbx)', [rbx: RO + 4]),
            c('lock cmpxchg on a read-only page (equal)', 'lock cmpxchg %ecx, (%rbx)', [rbx: RO, rax: 0]),
            c('cmpxchg on a read-only page (not equal)', 'cmpxchg %ecx, (%rbx)', [rbx: RO, rax: 5]),
            c('pop into a read-only page', 'push %rax\npopq (%rbx)', [rbx: RO]),
            c('jmp to a no-exec page', 'jmp *%rbx', [rbx: RO]),
            c('jmp to a data page', 'jmp *%rbx', [rbx: DATA + 0x10]),
            c('jmp to an unmapped page', 'jmp *%rbx', [rbx: HOLE]),
            c('jmp to a PROT_NONE page', 'jmp *%rbx', [rbx: NONE]),
            c('call to an unmapped page', 'call *%rbx', [rbx: HOLE + 0x20]),
            c('ret to a no-exec page', 'push %rbx\nret', [rbx: RO + 0x40]),
            c('jmp to a non-canonical address', 'jmp *%rbx', [rbx: NONCANONICAL]),
            c('call to a non-canonical address', 'call *%rbx', [rbx: NONCANONICAL + 0x10]),
            c('ret to a non-canonical address', 'push %rbx\nret', [rbx: 0xfffe000000000000L]),
            c('load from a non-canonical address', 'mov (%rbx), %rax', [rbx: NONCANONICAL]),
            c('store to a non-canonical address', 'mov %rax, (%rbx)', [rbx: 0xfffe000000001000L]),
            c('push with a non-canonical rsp', 'mov %rbx, %rsp\npush %rax', [rbx: NONCANONICAL + 0x100]),
            c('load based on a non-canonical rbp', 'mov 8(%rbp), %rax', [rbp: NONCANONICAL]),
            c('page-crossing store into a read-only page', 'mov %rax, (%rbx)', [rbx: RO - 4]),
            c('page-crossing load into a PROT_NONE page', 'mov (%rbx), %rax', [rbx: NONE - 2]),
            c('page-crossing load into an unmapped page', 'mov (%rbx), %rax', [rbx: HOLE2 - 4]),
            c('read of a kernel address', 'mov (%rbx), %rax', [rbx: KERNEL_TEXT + 0x10]),
            c('write to a kernel address', 'mov %rax, (%rbx)', [rbx: KERNEL_TEXT + 0x10]),
            c('jmp to a kernel address', 'jmp *%rbx', [rbx: KERNEL_TEXT]),
            c('ud2', 'nop\nud2'),
            c('an undecodable byte (06, push %es, is invalid in 64-bit mode)', '.byte 0x06'),
            c('hlt at CPL 3', 'hlt'),
            c('cli at CPL 3', 'cli'),
            c('sti at CPL 3', 'sti'),
            c('iretq to a non-canonical rip', 'mov %rsp, %rcx\npush $0x2b\npush %rcx\npushfq\npush $0x33\npush %rbx\niretq', [rbx: NONCANONICAL]),
            c('iretq to user code', 'mov %rsp, %rcx\npush $0x2b\npush %rcx\npushfq\npush $0x33\nlea 1f(%rip), %rbx\npush %rbx\niretq\n1: nop'),
            c('int3', 'nop'),
        ]
        // fetches that cross from an executable page into a no-exec or an unmapped one
        byte[] movabs = GnuAs.assemble('movabs $0x1122334455667788, %rax\nint3')
        list << new FaultOracle.Case(name: 'page-crossing fetch into a no-exec page',
                pages: layout() + [new FaultOracle.Page(addr: XPAGE, prot: 5), new FaultOracle.Page(addr: NXPAGE, prot: 1)],
                codeAddr: NXPAGE - 3, code: movabs, rsp: SP)
        list << new FaultOracle.Case(name: 'page-crossing fetch into an unmapped page',
                pages: layout() + [new FaultOracle.Page(addr: XPAGE, prot: 5)],
                codeAddr: NXPAGE - 3, code: Arrays.copyOf(movabs, 3), rsp: SP)
        list << new FaultOracle.Case(name: 'an instruction ending on the last byte of an executable page',
                pages: layout() + [new FaultOracle.Page(addr: XPAGE, prot: 5), new FaultOracle.Page(addr: NXPAGE, prot: 1)],
                codeAddr: NXPAGE - 11, code: movabs, rsp: SP)
        list
    }

    /** Runs a case in the interpreter at CPL 3 and returns [vector, errorCode, rip, rsp, cr2]. */
    static List<Long> simulate(FaultOracle.Case k) {
        def mem = new Memory()
        k.pages.each { mem.map(it.addr, 4096, PERMS[it.prot]) }
        mem.map(KERNEL_TEXT, 4096, Memory.R | Memory.X)           // a supervisor page
        mem.poke(k.codeAddr, k.code)
        def cpu = new Cpu(mem, Mode.BITS64)
        cpu.cpl = 3
        cpu.cs = 0x33
        cpu.ss = 0x2b
        cpu.rflags = 0x202
        [k.rax, k.rcx, k.rdx, k.rbx, k.rsp, k.rbp, k.rsi, k.rdi].eachWithIndex { long v, int i -> cpu.gpr[i] = v }
        cpu.rip = k.codeAddr
        int r = Step.OK
        for (int i = 0; i < 50 && r == Step.OK; i++) r = cpu.step()
        boolean pf = r == Step.PF
        [(long) r, pf || r == Step.GP || r == Step.SS ? (long) cpu.errorCode() : 0L, cpu.rip, cpu.gpr[Cpu.RSP], pf ? cpu.faultAddress() : 0L]
    }

    static List<Long> host(FaultOracle.Case k) {
        boolean pf = k.trapno == 14
        [k.trapno, k.err, k.rip, k.sp, pf ? k.addr : 0L]
    }

    def "user-mode faults agree with the host CPU: vector, error code, rip, rsp and CR2"() {
        when:
        def mismatches = cases.findAll { simulate(it) != host(it) }.collect { k ->
            "${k.name}: ours ${simulate(k).collect { Long.toHexString(it) }} host ${host(k).collect { Long.toHexString(it) }}"
        }

        then:
        mismatches.isEmpty() || { println mismatches.join('\n'); false }()
    }

    def "the host exercised every vector and every #PF error-code bit the cases are meant to cover"() {
        expect: 'the cases are not vacuous: #PF with and without P, W and I/D, #GP, #SS, #UD and the closing int3 all occur'
        cases*.trapno.toSet() == [3L, 6L, 12L, 13L, 14L].toSet()
        def errs = cases.findAll { it.trapno == 14 }*.err.toSet()
        errs.containsAll([4L, 5L, 6L, 7L, 0x14L, 0x15L])
    }
}
