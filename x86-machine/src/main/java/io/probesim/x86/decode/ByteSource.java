package io.probesim.x86.decode;

/** Where the decoder fetches bytes: returns 0..255; may throw (for example a fetch fault). */
@FunctionalInterface
public interface ByteSource {
    int byteAt(long address);
}
