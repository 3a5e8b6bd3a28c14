package io.probesim.x86.decode

/** Source lines covering the executed subset, generated from register/memory/immediate templates. */
class Corpus {
    static final List<String> R64 = ['%rax', '%rcx', '%rdx', '%rbx', '%rsp', '%rbp', '%rsi', '%rdi', '%r8', '%r9', '%r12', '%r13', '%r15']
    static final List<String> R32 = ['%eax', '%ecx', '%edx', '%ebx', '%esp', '%ebp', '%esi', '%edi', '%r8d', '%r11d', '%r15d']
    static final List<String> R16 = ['%ax', '%cx', '%si', '%r9w']
    static final List<String> R8 = ['%al', '%cl', '%ah', '%bh', '%spl', '%sil', '%r8b', '%r15b']
    static final List<String> MEM64 = ['(%rax)', '0x8(%rsp)', '-0x8(%rbp)', '0x0(%rbp)', '(%r12)', '(%r13)', '0x7f(%rcx)',
                                       '-0x80(%rdx)', '0x80(%rsi)', '0x12345678(%rax,%rbx,4)', '(%rax,%r9,8)', '0x10(,%rcx,8)',
                                       '0x1234', '%fs:0x28', '%gs:(%rax)', '0x100(%rip)', '(%eax)', '0x10(%r8,%r14,2)']
    static final List<String> MEM32 = ['(%eax)', '0x8(%esp)', '-0x8(%ebp)', '0x12345678(%eax,%ebx,4)', '(%ecx,%edx,1)',
                                       '0x10(,%ecx,8)', '0x1234', '%fs:0x28', '%es:(%edi)']
    static final List<String> ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp']
    static final List<String> IMMS = ['$0x1', '$0x7f', '$0x80', '$-1', '$-0x80', '$0x12345678', '$0x7fffffff']

    static List<String> lines64() {
        List<String> l = []
        for (op in ALU + ['mov', 'test']) {
            [R64, R32, R16].each { regs -> regs.take(4).each { a -> l << "$op ${a},${regs[(regs.indexOf(a) + 3) % regs.size()]}" } }
            l << "$op %al,%bh" << "$op %ah,%cl" << "$op %spl,%r8b" << "$op %r15b,%sil" 
            l << "$op %r9,%r13" << "$op %r10d,%eax" << "$op %sil,%dil"
            MEM64.each { m -> l << "$op %rax,$m" << "$op %ecx,$m" }
            MEM64.take(6).each { m -> l << "$op %r9w,$m" << "$op %dl,$m" }
            if (op != 'test') MEM64.take(8).each { m -> l << "$op $m,%r10" << "$op $m,%bl" }
            IMMS.each { i ->
                l << "$op $i,%rax" << "$op $i,%eax" << "$op $i,%ecx" << "$op $i,%r11"
                l << "${op}q $i,0x8(%rsp)" << "${op}l $i,(%rax)"
            }
            ['$0x1', '$0x7f', '$-1', '$0x80'].each { i -> l << "$op $i,%al" << "$op $i,%dl" << "${op}b $i,(%rbx)" << "${op}w $i,(%rbx)" << "$op $i,%ax" }
        }
        l << 'movabs $0x1122334455667788,%rax' << 'movabs $0x1122334455667788,%r9' << 'mov $0xffffffff,%rax'
        l << 'movabs 0x1122334455667788,%al' << 'movabs 0x1122334455667788,%eax' << 'movabs %rax,0x1122334455667788'
        l << 'movabs %ax,0x10' << 'mov $0x1,%r8' << 'mov $-1,%rax' << 'mov %fs:0x28,%rax'
        R64.each { r -> l << "lea 0x8($r),%rax" }
        (R64 - ['%rsp']).each { r -> l << "lea ($r,$r,2),%ecx" }
        MEM64.findAll { !it.contains(':') }.each { m -> l << "lea $m,%rdx" }
        R64.each { r -> l << "push $r" << "pop $r" << "jmp *$r" << "call *$r" << "inc $r" << "dec $r" }
        R32.each { r -> l << "inc $r" << "dec $r" << "not $r" << "neg $r" << "mul $r" << "div $r" << "idiv $r" << "imul $r" }
        R8.each { r -> l << "inc $r" << "dec $r" << "sete $r" << "setne $r" }
        MEM64.each { m ->
            l << "pushq $m" << "popq $m" << "jmp *$m" << "call *$m" << "incl $m" << "decq $m" << "incb $m" << "decw $m"
            l << "notl $m" << "negq $m" << "testb \$0x1,$m" << "testl \$0x10000,$m" << "nopl $m" << "nopw $m"
        }
        ['$0x1', '$0x7f', '$-1', '$0x80', '$0x12345678'].each { i -> l << "push $i" << "pushq $i" }
        ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'].each { s ->
            l << "$s %eax" << "$s \$0x3,%rdx" << "$s %cl,%r8d" << "${s}l (%rax)" << "${s}q \$0x5,0x8(%rsp)" << "${s}b %cl,(%rsi)" << "$s \$1,%bl"
        }
        ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'].each { c ->
            l << "cmov$c %rax,%rbx" << "cmov$c (%rax),%ecx" << "set$c %al" << "set$c (%rdi)"
        }
        l << 'movzbl %al,%eax' << 'movzbl (%rax),%ecx' << 'movzwl %ax,%edx' << 'movzbq %r8b,%r9' << 'movzwq (%rsi),%rax'
        l << 'movsbl %al,%eax' << 'movsbq (%rdi),%rax' << 'movswl %cx,%edx' << 'movslq %eax,%rdx' << 'movslq (%rax),%r12'
        l << 'movzbw %al,%ax' << 'movsbw (%rax),%cx'
        l << 'ret' << 'ret $0x8' << 'int3' << 'int $0x80' << 'pushf' << 'popf' << 'pushfq' << 'popfq' << 'cli' << 'sti'
        l << 'iretq' << 'hlt' << 'leave' << 'cltq' << 'cqto' << 'cltd' << 'cwtl' << 'nop' << 'pause' << 'endbr64' << 'ud2'
        l << 'syscall' << 'cpuid' << 'rdtsc' << 'rdtscp' << 'rdmsr' << 'wrmsr' << 'lfence' << 'mfence' << 'sfence' << 'swapgs'
        l << 'clc' << 'stc' << 'cld' << 'std' << 'cmc' << 'sahf' << 'lahf' << 'enter $0x8,$0x0' << 'int1'
        l << 'xchg %eax,%ecx' << 'xchg %rax,%r9' << 'xchg %rbx,(%rax)' << 'xchg %cl,%dl' << 'lock cmpxchg %ecx,(%rdx)'
        l << 'cmpxchg %rax,0x8(%rsp)' << 'lock xadd %eax,(%rdi)' << 'xadd %cl,%dl' << 'bswap %eax' << 'bswap %r9'
        l << 'bt %eax,%ecx' << 'bts %rax,(%rdi)' << 'btl $0x3,(%rax)' << 'btr $0x5,%rdx' << 'btc %ax,%bx'
        l << 'bsf %eax,%ecx' << 'bsr (%rax),%rdx' << 'tzcnt %eax,%ecx' << 'lzcnt %rax,%rbx' << 'popcnt %eax,%ecx'
        l << 'imul %eax,%ecx' << 'imul $0x10,%eax,%ecx' << 'imul $0x1000,(%rax),%rdx' << 'shld $0x3,%eax,%ecx' << 'shrd %cl,%rax,(%rbx)'
        l << 'rep movsb' << 'rep movsq' << 'rep stosb' << 'rep stosl' << 'movsb' << 'movsl' << 'stosq' << 'lodsb' << 'repz cmpsb'
        l << 'repnz scasb' << 'in $0x60,%al' << 'out %al,$0x80' << 'in (%dx),%eax' << 'out %ax,(%dx)' << 'insb (%dx),%es:(%rdi)'
        l << 'mov %cr0,%rax' << 'mov %rax,%cr3' << 'mov %db7,%rax' << 'mov %es,%eax' << 'mov %eax,%ds' << 'mov %fs,(%rax)'
        l << 'lgdt (%rax)' << 'lidt 0x8(%rsp)' << 'invlpg (%rdi)' << 'wbinvd' << 'clts' << 'ltr %ax' << 'sldt %eax'
        l << 'vmcall' << 'monitor' << 'mwait' << 'clac' << 'stac' << 'xgetbv' << 'xend' << 'xtest' << 'lretl' << 'lretq'
        l << 'ljmp *(%rax)' << 'lcall *0x8(%rsp)' << 'ud1 %eax,%ecx' << 'movnti %eax,(%rdi)' << 'ljmp *(%rax)'
        l
    }

    /** Branches around two labels (targets resolved by as). */
    static List<String> branches() {
        List<String> l = ['t0:']
        ['jmp', 'call', 'jo', 'jno', 'jb', 'jae', 'je', 'jne', 'jbe', 'ja', 'js', 'jns', 'jp', 'jnp', 'jl', 'jge', 'jle', 'jg'].each { j ->
            l << "$j t0" << "$j t1"
        }
        l << 'loop t0' << 'jrcxz t0' << 'loope t1'
        (0..40).each { l << 'nop' }
        l << 't1:'
        l << 'jmp t2'
        (0..140).each { l << 'nop' }
        l << 't2:' << 'jne t0' << 'call t0' << 'ret'
        l
    }

    static List<String> lines32() {
        List<String> l = []
        for (op in ALU + ['mov']) {
            l << "$op %eax,%ebx" << "$op %cx,%dx" << "$op %al,%bh"
            MEM32.each { m -> l << "$op %eax,$m" << "$op $m,%esi" << "${op}l \$0x1,$m" << "${op}b \$0x80,$m" }
            IMMS.each { i -> l << "$op $i,%eax" << "$op $i,%edx" }
        }
        ['%eax', '%ecx', '%esp', '%edi'].each { r -> l << "push $r" << "pop $r" << "inc $r" << "dec $r" << "jmp *$r" << "call *$r" }
        MEM32.each { m -> l << "pushl $m" << "popl $m" << "jmp *$m" << "call *$m" << "lea $m,%eax" << "nopl $m" }
        l << 'push $0x1' << 'push $0x12345678' << 'ret' << 'ret $0x4' << 'iret' << 'pushf' << 'popf' << 'pusha' << 'popa'
        l << 'mov 0x1234,%eax' << 'mov %al,0x1234' << 'cltd' << 'cwtl' << 'int3' << 'cli' << 'sti' << 'hlt' << 'nop'
        l << 'movzbl %al,%eax' << 'movsbl (%eax),%ecx' << 'push %es' << 'pop %ds' << 'daa' << 'aam $0xa' << 'bound %eax,(%ecx)'
        l << 'mov (%bx,%si),%eax' << 'mov 0x10(%bp,%di),%cx' << 'les (%eax),%ecx' << 'lds (%eax),%ebx' << 'ljmp $0x10,$0x1000'
        l
    }
}
