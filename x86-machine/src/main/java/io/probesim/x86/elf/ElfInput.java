package io.probesim.x86.elf;

import io.probesim.x86.decode.Mode;
import net.fornwall.jelf.ElfException;
import net.fornwall.jelf.ElfFile;
import net.fornwall.jelf.ElfSection;

/**
 * An ELF file checked to be one the loaders handle: little-endian x86-64 (EM_X86_64) or i386
 * (EM_386), of the expected type. jelf parses; the checks here come first so that a wrong file
 * gets a plain message rather than a parser error.
 */
record ElfInput(String name, ElfFile file, Mode mode) {

    static final int ET_REL = 1, ET_EXEC = 2, ET_DYN = 3;
    private static final int EM_386 = 3, EM_X86_64 = 62;

    static ElfInput parse(byte[] bytes, String name, int expectedType) {
        if (bytes.length < 52 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw new ElfLoadException(name + ": not an ELF file");
        }
        int elfClass = bytes[4];
        if (elfClass != 1 && elfClass != 2) throw new ElfLoadException(name + ": unknown ELF class " + elfClass);
        if (bytes[5] != 1) throw new ElfLoadException(name + ": big-endian ELF, not x86");
        int machine = (bytes[18] & 0xff) | (bytes[19] & 0xff) << 8;
        Mode mode;
        if (elfClass == 2 && machine == EM_X86_64) mode = Mode.BITS64;
        else if (elfClass == 1 && machine == EM_386) mode = Mode.BITS32;
        else throw new ElfLoadException(name + ": ELF for machine " + machine + " (" + (elfClass == 2 ? 64 : 32)
                + "-bit), not x86-64 or i386");
        int type = (bytes[16] & 0xff) | (bytes[17] & 0xff) << 8;
        if (type != expectedType) {
            throw new ElfLoadException(name + ": " + typeName(type) + ", expected " + typeName(expectedType)
                    + (type == ET_DYN ? " (link static and without PIE: -static -no-pie)" : ""));
        }
        try {
            return new ElfInput(name, ElfFile.from(bytes), mode);
        } catch (ElfException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ElfLoadException(name + ": malformed ELF: " + e.getMessage(), e);
        }
    }

    static String typeName(int type) {
        return switch (type) {
            case ET_REL -> "a relocatable object (ET_REL)";
            case ET_EXEC -> "an executable (ET_EXEC)";
            case ET_DYN -> "a shared object or PIE (ET_DYN)";
            case 4 -> "a core file (ET_CORE)";
            default -> "ELF type " + type;
        };
    }

    int sectionCount() {
        return file.e_shnum & 0xffff;
    }

    ElfSection section(int index) {
        try {
            return file.getSection(index);
        } catch (ElfException e) {
            throw new ElfLoadException(name + ": malformed section " + index + ": " + e.getMessage(), e);
        }
    }

    String sectionName(int index) {
        String n = section(index).header.getName();
        return n == null ? "section " + index : n;
    }
}
