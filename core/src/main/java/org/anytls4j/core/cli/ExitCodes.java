package org.anytls4j.core.cli;

/** The launcher's exit codes. */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** A run-time failure: an inbound could not bind, the plugins cannot start together. */
    public static final int FAILURE = 1;
    /** A usage or configuration error: unknown option, invalid configuration file. */
    public static final int INVALID = 2;
    /**
     * A fatal error while running: an {@link Error} such as {@code OutOfMemoryError} on a thread of ours, or an
     * event loop that died. The process halts at once so that the service manager restarts it; 3 is also what the
     * JVM exits with under {@code -XX:+ExitOnOutOfMemoryError}, which the launcher script sets.
     */
    public static final int FATAL = org.anytls4j.core.runtime.FatalErrors.EXIT_STATUS;

    private ExitCodes() {
    }
}
