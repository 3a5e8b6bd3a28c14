package io.probesim.x86.elf;

import io.probesim.x86.decode.Mode;
import io.probesim.x86.kernel.SymbolTable;

import java.util.List;

/**
 * A static executable loaded into a process address space: where to start (entry, the stack
 * pointer at argc), its segments, the program break, and the program's own symbols (from its
 * .symtab, for messages; empty when stripped).
 */
public record ProgramImage(String name, Mode mode, long entry, long stackPointer, long stackBottom, long brk,
                           List<LoadSegment> segments, SymbolTable symbols) {
    public ProgramImage {
        segments = List.copyOf(segments);
    }
}
