package io.probesim.x86.elf;

/**
 * An ELF file that cannot be loaded: not ELF, not x86, the wrong type, or something the loader
 * does not do (a relocation type, an undefined symbol). The message names the file and, where
 * there is one, the section and offset.
 */
public final class ElfLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ElfLoadException(String message) {
        super(message);
    }

    public ElfLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
