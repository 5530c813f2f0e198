package org.anytls4j.core.cli;

/** The launcher's exit codes. */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** A run-time failure: an inbound could not bind, the plugins cannot start together. */
    public static final int FAILURE = 1;
    /** A usage or configuration error: unknown option, invalid configuration file. */
    public static final int INVALID = 2;

    private ExitCodes() {
    }
}
