package io.probesim.sim.explore;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * A run in one printable, URL-safe, checksummed string: {@code ps1.} + base64url (no padding) of
 * varint version, varint length + UTF-8 config, varint count, zig-zag varint choices, and a
 * big-endian CRC32 of everything before it. {@code config} names the scenario and settings the
 * choices apply to (the caller's format).
 */
public record ReplayToken(String config, int[] choices) {
    public static final String PREFIX = "ps1.";
    public static final int VERSION = 1;

    public ReplayToken {
        Objects.requireNonNull(config, "config");
        choices = choices.clone();
    }

    @Override
    public int[] choices() {
        return choices.clone();
    }

    public String encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + config.length() + choices.length * 2);
        writeVarint(out, VERSION);
        byte[] cfg = config.getBytes(StandardCharsets.UTF_8);
        writeVarint(out, cfg.length);
        out.write(cfg, 0, cfg.length);
        writeVarint(out, choices.length);
        for (int c : choices) {
            writeVarint(out, (c << 1) ^ (c >> 31)); // zig-zag: small magnitudes of either sign stay short
        }
        CRC32 crc = new CRC32();
        crc.update(out.toByteArray());
        long v = crc.getValue();
        for (int shift = 24; shift >= 0; shift -= 8) {
            out.write((int) (v >>> shift) & 0xFF);
        }
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
    }

    /** Parses a token; an IllegalArgumentException says what is wrong with it. */
    public static ReplayToken decode(String token) {
        if (token == null) {
            throw new IllegalArgumentException("not a probesim replay token (null)");
        }
        String t = token.strip();
        if (!t.startsWith(PREFIX)) {
            if (t.matches("ps\\d+\\..*")) {
                throw new IllegalArgumentException("unsupported replay token version " + t.substring(2, t.indexOf('.')));
            }
            throw new IllegalArgumentException("not a probesim replay token (it must start with '" + PREFIX + "')");
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(t.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a probesim replay token (invalid characters: " + e.getMessage() + ")", e);
        }
        if (bytes.length < 5) {
            throw new IllegalArgumentException("replay token damaged (too short)");
        }
        int body = bytes.length - 4;
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, body);
        long stored = ((bytes[body] & 0xFFL) << 24) | ((bytes[body + 1] & 0xFFL) << 16)
                | ((bytes[body + 2] & 0xFFL) << 8) | (bytes[body + 3] & 0xFFL);
        if (stored != crc.getValue()) {
            throw new IllegalArgumentException("replay token damaged (checksum mismatch)");
        }
        Reader r = new Reader(bytes, body);
        int version = r.varint();
        if (version != VERSION) {
            throw new IllegalArgumentException("unsupported replay token version " + version);
        }
        int cfgLen = r.varint();
        if (cfgLen < 0 || cfgLen > r.remaining()) {
            throw new IllegalArgumentException("replay token damaged (config length " + cfgLen + ")");
        }
        String config;
        try {
            config = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes, r.pos, cfgLen)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("replay token damaged (config is not UTF-8)", e);
        }
        r.pos += cfgLen;
        int count = r.varint();
        if (count < 0 || count > r.remaining()) { // every choice takes at least one byte
            throw new IllegalArgumentException("replay token damaged (choice count " + count + ")");
        }
        int[] choices = new int[count];
        for (int i = 0; i < count; i++) {
            int z = r.varint();
            choices[i] = (z >>> 1) ^ -(z & 1);
        }
        if (r.remaining() != 0) {
            throw new IllegalArgumentException("replay token damaged (" + r.remaining() + " trailing bytes)");
        }
        return new ReplayToken(config, choices);
    }

    private static void writeVarint(ByteArrayOutputStream out, int v) {
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    private static final class Reader {
        final byte[] b;
        final int end;
        int pos;

        Reader(byte[] b, int end) {
            this.b = b;
            this.end = end;
        }

        int remaining() {
            return end - pos;
        }

        int varint() {
            int v = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("replay token damaged (truncated)");
                }
                int x = b[pos++];
                v |= (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("replay token damaged (varint too long)");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReplayToken r && config.equals(r.config) && Arrays.equals(choices, r.choices);
    }

    @Override
    public int hashCode() {
        return config.hashCode() * 31 + Arrays.hashCode(choices);
    }

    @Override
    public String toString() {
        return "ReplayToken[config=" + config + ", choices=" + Arrays.toString(choices) + "]";
    }
}
