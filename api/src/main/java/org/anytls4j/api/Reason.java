package org.anytls4j.api;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/**
 * What the pool's reasons have in common: a stable, lower-case, hyphenated word ({@code idle-timeout},
 * {@code ensure}) that appears in log lines ({@code reason=...}) and as a metric tag, so operators grep for it. Two
 * reasons are equal when they are of the same kind and have the same name; {@link #toString()} is the name.
 *
 * @since 2.0.0
 */
@Stable
public abstract sealed class Reason permits CloseReason, CreationReason {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");

    private final String name;

    Reason(String kind, String name) {
        requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(kind + " must be lower-case words joined by '-', was '" + name + "'");
        }
        this.name = name;
    }

    /** The word, e.g. {@code idle-timeout}. */
    public final String name() {
        return name;
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && name.equals(((Reason) o).name);
    }

    @Override
    public final int hashCode() {
        return getClass().hashCode() * 31 + name.hashCode();
    }

    /** The {@link #name()}, as log lines show it. */
    @Override
    public final String toString() {
        return name;
    }
}
