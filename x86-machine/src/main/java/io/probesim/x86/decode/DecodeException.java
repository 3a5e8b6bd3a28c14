package io.probesim.x86.decode;

import java.util.HexFormat;

/** Bytes that do not form an instruction (invalid opcode, too long, register form of a memory-only operand). */
public final class DecodeException extends RuntimeException {
    private final long address;
    private final byte[] bytes;
    private final String reason;

    public DecodeException(long address, byte[] bytes, String reason) {
        super(String.format("cannot decode at 0x%x [%s]: %s", address, HexFormat.ofDelimiter(" ").formatHex(bytes), reason));
        this.address = address;
        this.bytes = bytes.clone();
        this.reason = reason;
    }

    public long address() { return address; }
    public byte[] bytes() { return bytes.clone(); }
    public String reason() { return reason; }
}
