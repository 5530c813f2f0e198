package org.anytls4j.api;

/**
 * Why a session is being created: the word a creator gives ({@code demand} for a stream waiting for a session,
 * {@code ensure} for ensure_idle's pre-creations, or a plugin's own). It tags the pool's creation lines and meters and
 * tells creations in flight apart ({@code PoolSnapshot.creating(reason)}), so a creator counts its own toward a
 * target. The same kind of value as {@link CloseReason}: a lower-case hyphenated word, made with {@link #of(String)};
 * two are equal when their names are.
 *
 * @since 2.0.0
 */
@Stable
public final class CreationReason extends Reason {
    /** The pool creates a session for a stream that found none to use. */
    public static final CreationReason DEMAND = new CreationReason("demand");

    private CreationReason(String name) {
        super("creation reason", name);
    }

    /**
     * A creator's reason, e.g. {@code CreationReason.of("ensure")}.
     *
     * @throws IllegalArgumentException when the name is not lower-case words joined by '-'
     */
    public static CreationReason of(String name) {
        return DEMAND.name().equals(name) ? DEMAND : new CreationReason(name);
    }
}
