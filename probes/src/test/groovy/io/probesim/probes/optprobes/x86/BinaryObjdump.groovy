package io.probesim.probes.optprobes.x86

import java.nio.file.Files

/** GNU objdump's reading of raw bytes placed at an address: the reference the detour-buffer specs compare with. */
class BinaryObjdump {

    /**
     * The instructions objdump decodes in `code` loaded at `vma`, as "mnemonic operands" with
     * symbol comments dropped; `machine` is objdump's -m (i386, i386:x86-64).
     */
    static List<String> instructions(byte[] code, long vma, String machine) {
        def bin = Files.createTempFile('detour', '.bin')
        try {
            Files.write(bin, code)
            def proc = ['objdump', '-D', '-b', 'binary', "-m${machine}", "--adjust-vma=0x${Long.toHexString(vma)}", bin.toString()].execute()
            def out = new StringBuilder(), err = new StringBuilder()
            proc.waitForProcessOutput(out, err)
            if (proc.exitValue() != 0) throw new IllegalStateException("objdump failed (exit ${proc.exitValue()}): $err")
            return out.readLines()
                    .findAll { it ==~ /^\s*[0-9a-f]+:\t.*\t.*/ }
                    .collect { it.split('\t')[2].trim().replaceAll(/\s+/, ' ').replaceAll(/ <.*>$/, '') }
        } finally {
            Files.deleteIfExists(bin)
        }
    }
}
