package org.anytls4j.transport.anytls.frame;

/**
 * AnyTLS frame commands (PROTOCOL.md section 5). Version 1 defines 0-6, version 2 adds 7-10; anything else is
 * unknown and skipped together with its data.
 */
public final class Command {
    public static final int WASTE = 0;
    public static final int SYN = 1;
    public static final int PSH = 2;
    public static final int FIN = 3;
    public static final int SETTINGS = 4;
    public static final int ALERT = 5;
    public static final int UPDATE_PADDING_SCHEME = 6;
    public static final int SYNACK = 7;
    public static final int HEART_REQUEST = 8;
    public static final int HEART_RESPONSE = 9;
    public static final int SERVER_SETTINGS = 10;

    private static final String[] NAMES = {
        "Waste", "SYN", "PSH", "FIN", "Settings", "Alert", "UpdatePaddingScheme", "SYNACK", "HeartRequest",
        "HeartResponse", "ServerSettings",
    };

    private Command() {
    }

    /** The spec's name of a command, or {@code unknown(N)}. */
    public static String name(int command) {
        return command >= 0 && command < NAMES.length ? NAMES[command] : "unknown(" + command + ")";
    }

    /** True for commands 0-10. */
    public static boolean isKnown(int command) {
        return command >= 0 && command < NAMES.length;
    }
}
