package io.probesim.x86.elf;

import io.probesim.x86.decode.Mode;

import java.util.Map;

/**
 * The relocation arithmetic of the x86-64 and i386 psABIs for the types a kernel object built
 * without PIC contains: S (the symbol's address) + A (the addend) [- P (the place)], stored in
 * 64 or 32 bits with the ABI's overflow rule. PLT32 is PC32 because a loaded kernel object calls
 * its targets directly (no PLT), as the kernel's module loader does. Any other type is refused.
 */
final class Relocator {
    private Relocator() {}

    static final int R_X86_64_NONE = 0, R_X86_64_64 = 1, R_X86_64_PC32 = 2, R_X86_64_PLT32 = 4,
            R_X86_64_32 = 10, R_X86_64_32S = 11;
    static final int R_386_NONE = 0, R_386_32 = 1, R_386_PC32 = 2, R_386_PLT32 = 4;

    private static final Map<Integer, String> NAMES64 = Map.ofEntries(
            Map.entry(0, "NONE"), Map.entry(1, "64"), Map.entry(2, "PC32"), Map.entry(3, "GOT32"), Map.entry(4, "PLT32"),
            Map.entry(5, "COPY"), Map.entry(6, "GLOB_DAT"), Map.entry(7, "JUMP_SLOT"), Map.entry(8, "RELATIVE"),
            Map.entry(9, "GOTPCREL"), Map.entry(10, "32"), Map.entry(11, "32S"), Map.entry(12, "16"), Map.entry(13, "PC16"),
            Map.entry(14, "8"), Map.entry(15, "PC8"), Map.entry(16, "DTPMOD64"), Map.entry(17, "DTPOFF64"),
            Map.entry(18, "TPOFF64"), Map.entry(19, "TLSGD"), Map.entry(20, "TLSLD"), Map.entry(21, "DTPOFF32"),
            Map.entry(22, "GOTTPOFF"), Map.entry(23, "TPOFF32"), Map.entry(24, "PC64"), Map.entry(25, "GOTOFF64"),
            Map.entry(26, "GOTPC32"), Map.entry(41, "GOTPCRELX"), Map.entry(42, "REX_GOTPCRELX"));
    private static final Map<Integer, String> NAMES32 = Map.ofEntries(
            Map.entry(0, "NONE"), Map.entry(1, "32"), Map.entry(2, "PC32"), Map.entry(3, "GOT32"), Map.entry(4, "PLT32"),
            Map.entry(5, "COPY"), Map.entry(6, "GLOB_DAT"), Map.entry(7, "JMP_SLOT"), Map.entry(8, "RELATIVE"),
            Map.entry(9, "GOTOFF"), Map.entry(10, "GOTPC"), Map.entry(20, "16"), Map.entry(21, "PC16"), Map.entry(22, "8"),
            Map.entry(23, "PC8"), Map.entry(43, "GOT32X"));

    /** "R_X86_64_GOTPCREL" or "R_386_PC32"; unknown numbers as "type N". */
    static String name(Mode mode, int type) {
        String n = (mode == Mode.BITS64 ? NAMES64 : NAMES32).get(type);
        if (n == null) return (mode == Mode.BITS64 ? "R_X86_64" : "R_386") + " type " + type;
        return (mode == Mode.BITS64 ? "R_X86_64_" : "R_386_") + n;
    }

    /** True when the type's addend is stored at the place (REL sections): every i386 type we apply is a 32-bit field. */
    static int implicitAddendWidth(Mode mode, int type) {
        return mode == Mode.BITS32 && type != R_386_NONE ? 4 : 0;
    }

    /**
     * Applies one relocation to `image` (the section's bytes) at `offset`. `where` names the
     * place for messages ("kstyle.o: .text+0x1c against dispatch_op").
     */
    static void apply(Mode mode, int type, byte[] image, int offset, long s, long a, long p, String where) {
        if (mode == Mode.BITS64) {
            switch (type) {
                case R_X86_64_NONE -> { }
                case R_X86_64_64 -> put(image, offset, 8, s + a, where, mode, type);
                case R_X86_64_PC32, R_X86_64_PLT32 -> put32(image, offset, s + a - p, true, where, mode, type);
                case R_X86_64_32 -> put32(image, offset, s + a, false, where, mode, type);
                case R_X86_64_32S -> put32(image, offset, s + a, true, where, mode, type);
                default -> throw unsupported(mode, type, where);
            }
        } else {
            switch (type) {
                case R_386_NONE -> { }
                case R_386_32 -> put(image, offset, 4, s + a, where, mode, type);
                case R_386_PC32, R_386_PLT32 -> put(image, offset, 4, s + a - p, where, mode, type);
                default -> throw unsupported(mode, type, where);
            }
        }
    }

    private static ElfLoadException unsupported(Mode mode, int type, String where) {
        return new ElfLoadException(where + ": relocation " + name(mode, type) + " is not supported (the loader applies "
                + (mode == Mode.BITS64 ? "R_X86_64_64, PC32, PLT32, 32 and 32S" : "R_386_32, PC32 and PLT32")
                + "; build the object without -fpic and without TLS)");
    }

    /** A 32-bit field of the x86-64 ABI: the value must be representable sign- or zero-extended. */
    private static void put32(byte[] image, int offset, long v, boolean signed, String where, Mode mode, int type) {
        boolean fits = signed ? v == (int) v : (v >>> 32) == 0;
        if (!fits) {
            throw new ElfLoadException(where + ": " + name(mode, type) + " value 0x" + Long.toHexString(v) + " does not fit in 32 bits ("
                    + (signed ? "signed" : "unsigned") + "); the object must lie within 2 GiB of what it references");
        }
        put(image, offset, 4, v, where, mode, type);
    }

    private static void put(byte[] image, int offset, int width, long v, String where, Mode mode, int type) {
        if (offset < 0 || offset + width > image.length) {
            throw new ElfLoadException(where + ": " + name(mode, type) + " at offset 0x" + Integer.toHexString(offset)
                    + " lies outside its section (" + image.length + " bytes)");
        }
        for (int i = 0; i < width; i++) image[offset + i] = (byte) (v >>> (8 * i));
    }

    /** The little-endian signed 32-bit value at `offset` (an implicit addend). */
    static long read32(byte[] image, int offset) {
        return (image[offset] & 0xff) | (image[offset + 1] & 0xff) << 8 | (image[offset + 2] & 0xff) << 16 | (long) (image[offset + 3] << 24);
    }
}
