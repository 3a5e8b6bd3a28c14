package io.probesim.sim.log;

import java.util.Objects;

/** One key=value of an event; the value is already formatted by the caller. */
public record Field(String key, String value) {
    public Field {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("field key must not be empty");
        }
    }
}
