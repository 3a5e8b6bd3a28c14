package io.probesim.sim.explore;

import java.util.Objects;
import java.util.function.UnaryOperator;

/** A snapshot that keeps one frozen world and deep-copies it with {@code copier} on every thaw. */
public final class CopyingSnapshot<W> implements Snapshot<W> {
    private final W frozen;
    private final UnaryOperator<W> copier;

    /** {@code frozen} must never be run itself; {@code copier} must not modify it (thaws may run concurrently). */
    public CopyingSnapshot(W frozen, UnaryOperator<W> copier) {
        this.frozen = Objects.requireNonNull(frozen, "frozen");
        this.copier = Objects.requireNonNull(copier, "copier");
    }

    @Override
    public W thaw() {
        W copy = copier.apply(frozen);
        if (copy == frozen) {
            throw new IllegalStateException("snapshot copier returned the frozen world itself, not a copy");
        }
        return copy;
    }
}
