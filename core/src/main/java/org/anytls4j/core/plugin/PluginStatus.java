package org.anytls4j.core.plugin;

/** What became of an installed plugin at start-up, as {@code anytls4j plugins} shows it. */
public enum PluginStatus {
    /** Loaded, started, and its contributions are in use. */
    STARTED,
    /** Not started because the host does not meet its {@code Plugin-Requires}; the host runs without it. */
    REFUSED,
    /** Disabled by the operator (PF4J's {@code disabled.txt} / {@code enabled.txt}). */
    DISABLED,
    /** Its start or its extensions failed; the host runs without it. */
    FAILED;

    /** Lower-case, as printed. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
