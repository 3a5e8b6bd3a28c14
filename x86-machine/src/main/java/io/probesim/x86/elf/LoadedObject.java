package io.probesim.x86.elf;

import io.probesim.x86.decode.Mode;
import io.probesim.x86.kernel.ExceptionTable;
import io.probesim.x86.kernel.SymbolTable;

import java.util.List;
import java.util.Optional;

/**
 * A relocatable object after loading: its sections where they went, the symbols it defines at
 * their addresses, and its exception table entries. {@link #installInto} makes it part of a
 * kernel (kallsyms, kernel text ranges, the exception table), as loading a module does.
 */
public record LoadedObject(String name, Mode mode, long start, long end, List<PlacedSection> sections,
                           List<ObjectSymbol> symbols, List<ExceptionTable.Entry> exceptionTable) {

    public LoadedObject {
        sections = List.copyOf(sections);
        symbols = List.copyOf(symbols);
        exceptionTable = List.copyOf(exceptionTable);
    }

    public Optional<PlacedSection> section(String sectionName) {
        return sections.stream().filter(s -> s.name().equals(sectionName)).findFirst();
    }

    public Optional<ObjectSymbol> symbol(String symbolName) {
        return symbols.stream().filter(s -> s.name().equals(symbolName)).findFirst();
    }

    /** The address of a symbol the object defines; an error naming the object when it does not. */
    public long address(String symbolName) {
        return symbol(symbolName).orElseThrow(() -> new IllegalArgumentException(name + " defines no symbol '" + symbolName + "'"))
                .address();
    }

    /**
     * Adds the symbols (functions and objects with their sizes, assembly labels with size 0) to
     * `symbols`, the executable sections as kernel text (where kprobes may go), and the
     * __ex_table entries to `table`.
     */
    public void installInto(SymbolTable symbolTable, ExceptionTable table) {
        for (ObjectSymbol s : symbols) symbolTable.add(s.name(), s.address(), s.size());
        for (PlacedSection s : sections) {
            if (s.executable() && s.size() > 0) symbolTable.addTextRange(s.address(), s.end());
        }
        table.addAll(exceptionTable);
    }
}
