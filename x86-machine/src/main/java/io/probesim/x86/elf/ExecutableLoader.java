package io.probesim.x86.elf;

import io.probesim.x86.decode.Mode;
import io.probesim.x86.kernel.SymbolTable;
import io.probesim.x86.mem.Memory;
import net.fornwall.jelf.ElfException;
import net.fornwall.jelf.ElfSegment;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Loads a static executable (ET_EXEC, x86-64 or i386) into a process address space, as Linux's
 * load_elf_binary does for a program without an interpreter: each PT_LOAD segment at its address
 * with its permissions (a page two segments share gets both), the file bytes copied and the rest
 * up to p_memsz zero (bss), a user stack below the task size with argc, argv, envp and the
 * auxiliary vector ({@link UserStack}). There is no vDSO (programs make real system calls for
 * the clocks), no address-space randomization and no stack growth: the stack is
 * {@link #STACK_SIZE} bytes.
 */
public final class ExecutableLoader {
    private ExecutableLoader() {}

    public static final long STACK_SIZE = 256 * 1024;
    private static final int PT_LOAD = 1, PT_INTERP = 3, PT_PHDR = 6;
    private static final int PF_X = 1, PF_W = 2, PF_R = 4;
    private static final int STT_OBJECT = 1, STT_FUNC = 2;

    /** The mode of a static executable (checked to be one this loader takes). */
    public static Mode mode(byte[] bytes, String name) {
        return ElfInput.parse(bytes, name, ElfInput.ET_EXEC).mode();
    }

    /**
     * Loads `bytes` into `space` (a process space, see Memory#newProcessSpace) whose task size is
     * where user space ends. argv[0] is usually the program's path; `execfn` is AT_EXECFN's string.
     */
    public static ProgramImage load(byte[] bytes, String name, Memory space, List<String> argv, List<String> envp) {
        ElfInput in = ElfInput.parse(bytes, name, ElfInput.ET_EXEC);
        if (!space.isProcessSpace()) throw new IllegalArgumentException("load a program into a process space, not a whole memory");
        long taskSize = space.taskSize();
        int phnum = in.file().e_phnum & 0xffff;
        List<ElfSegment> loads = new ArrayList<>();
        long phdrAddr = -1;
        for (int i = 0; i < phnum; i++) {
            ElfSegment seg = in.file().getProgramHeader(i);
            if (seg.p_type == PT_INTERP) {
                throw new ElfLoadException(name + ": dynamically linked (it asks for an interpreter); only static executables run (link with -static)");
            }
            if (seg.p_type == PT_PHDR) phdrAddr = seg.p_vaddr;
            if (seg.p_type == PT_LOAD && seg.p_memsz > 0) loads.add(seg);
        }
        if (loads.isEmpty()) throw new ElfLoadException(name + ": no PT_LOAD segment");

        TreeMap<Long, Integer> pagePerms = new TreeMap<>();
        List<LoadSegment> segments = new ArrayList<>();
        long brk = 0;
        for (ElfSegment seg : loads) {
            long start = seg.p_vaddr, end = seg.p_vaddr + seg.p_memsz;
            if (seg.p_filesz > seg.p_memsz || Long.compareUnsigned(end, taskSize) > 0 || Long.compareUnsigned(start, end) >= 0) {
                throw new ElfLoadException(String.format("%s: PT_LOAD at 0x%x+0x%x (file 0x%x) does not fit user space (below 0x%x)",
                        name, start, seg.p_memsz, seg.p_filesz, taskSize));
            }
            // user pages (U); on x86 a present page is readable, so W and X imply R
            int perms = Memory.U | ((seg.p_flags & PF_R) != 0 ? Memory.R : 0) | ((seg.p_flags & PF_W) != 0 ? Memory.W | Memory.R : 0)
                    | ((seg.p_flags & PF_X) != 0 ? Memory.X | Memory.R : 0);
            if (perms == Memory.U) perms = 0;                                  // PROT_NONE: mapped, not present
            for (long pg = start & ~Memory.PAGE_MASK; pg < end; pg += Memory.PAGE_SIZE) pagePerms.merge(pg, perms, (a, b) -> a | b);
            segments.add(new LoadSegment(start, seg.p_memsz, seg.p_filesz, perms));
            brk = Math.max(brk, end);
        }
        for (var e : pagePerms.entrySet()) space.map(e.getKey(), Memory.PAGE_SIZE, e.getValue());
        for (ElfSegment seg : loads) {
            if (seg.p_filesz == 0) continue;
            if (seg.p_offset < 0 || seg.p_offset + seg.p_filesz > bytes.length) {
                throw new ElfLoadException(name + ": PT_LOAD at 0x" + Long.toHexString(seg.p_vaddr) + " lies beyond the end of the file");
            }
            byte[] data = new byte[(int) seg.p_filesz];
            System.arraycopy(bytes, (int) seg.p_offset, data, 0, data.length);
            space.poke(seg.p_vaddr, data);
        }
        long entry = in.file().e_entry;
        if ((pagePerms.getOrDefault(entry & ~Memory.PAGE_MASK, 0) & Memory.X) == 0) {
            throw new ElfLoadException(name + ": entry point 0x" + Long.toHexString(entry) + " is not in an executable segment");
        }
        if (phdrAddr < 0) phdrAddr = phdrFromLoads(in, loads);

        long top = taskSize;
        space.map(top - STACK_SIZE, STACK_SIZE, Memory.R | Memory.W | Memory.U);
        var info = new UserStack.ProgramInfo(phdrAddr, in.file().e_phentsize & 0xffff, phnum, entry);
        String execfn = argv.isEmpty() ? name : argv.get(0);
        long sp = UserStack.build(space, in.mode(), top, argv, envp, execfn, info);
        return new ProgramImage(name, in.mode(), entry, sp, top - STACK_SIZE, (brk + Memory.PAGE_MASK) & ~Memory.PAGE_MASK,
                segments, programSymbols(in));
    }

    /** AT_PHDR without PT_PHDR: the program headers' file offset seen through the PT_LOAD that maps it (0 if none). */
    private static long phdrFromLoads(ElfInput in, List<ElfSegment> loads) {
        long off = in.file().e_phoff;
        for (ElfSegment seg : loads) {
            if (off >= seg.p_offset && off < seg.p_offset + seg.p_filesz) return seg.p_vaddr + (off - seg.p_offset);
        }
        return 0;
    }

    private static SymbolTable programSymbols(ElfInput in) {
        SymbolTable table = new SymbolTable();
        ElfSymbolTableSection symtab;
        try {
            symtab = in.file().getSymbolTableSection();
        } catch (ElfException e) {
            return table;                                  // a program without readable symbols runs all the same
        }
        if (symtab == null) return table;
        for (ElfSymbol s : symtab.symbols) {
            int type = s.getType();
            if ((type != STT_FUNC && type != STT_OBJECT) || (s.st_shndx & 0xffff) == 0) continue;
            String n;
            try {
                n = s.getName();
            } catch (ElfException e) {
                continue;
            }
            if (n == null || n.isEmpty() || table.lookup(n).isPresent()) continue;
            long addr = in.mode() == Mode.BITS32 ? s.st_value & 0xffffffffL : s.st_value;
            table.add(n, addr, s.st_size);
        }
        return table;
    }
}
