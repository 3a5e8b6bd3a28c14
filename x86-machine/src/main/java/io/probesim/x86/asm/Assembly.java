package io.probesim.x86.asm;

import java.util.List;

/** Assembled code placed at origin, with its labels. */
public record Assembly(long origin, byte[] code, List<Symbol> symbols) {
    /** The symbol named name; IllegalArgumentException when absent. */
    public Symbol symbol(String name) {
        return symbols.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no symbol " + name));
    }
}
