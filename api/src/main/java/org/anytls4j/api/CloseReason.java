package org.anytls4j.api;

/**
 * Why a session was closed. The {@link #name()} is a stable, lower-case, hyphenated word that appears in log
 * lines ({@code reason=idle-timeout}) and as a metric tag; operators grep for it. The constants here are the
 * protocol-neutral reasons the host and its built-in policies use; a transport or plugin defines its own with
 * {@link #of(String)} (the AnyTLS transport's {@code synack-timeout}, a plugin's {@code idle-cap}). Two reasons are
 * equal when their names are.
 *
 * <p>Until 2.0.0 this was a record (same accessor, equality and string form), and AnyTLS's own
 * {@code synack-timeout} was one of the constants here ({@link #SYNACK_TIMEOUT}, deprecated).
 */
@Stable
public final class CloseReason extends Reason {
    /** The idle cleanup closed a session idle longer than {@code idle_session_timeout}. */
    public static final CloseReason IDLE_TIMEOUT = new CloseReason("idle-timeout");
    /** The lifetime cleanup closed a session older than its maximum lifetime. */
    public static final CloseReason MAX_AGE = new CloseReason("max-age");
    /** The heartbeat monitor saw too many consecutive missing HeartResponses. */
    public static final CloseReason HEARTBEAT_TIMEOUT = new CloseReason("heartbeat-timeout");
    /**
     * AnyTLS's SYNACK watchdog fired: a transport's own reason, which the AnyTLS transport now defines itself.
     *
     * @deprecated since 2.0.0, to be removed in 3.0: not protocol-neutral; equal to
     *     {@code CloseReason.of("synack-timeout")}
     */
    @Deprecated(since = "2.0.0", forRemoval = true)
    public static final CloseReason SYNACK_TIMEOUT = of("synack-timeout");
    /** The peer closed the connection or sent an Alert. */
    public static final CloseReason PEER_CLOSE = new CloseReason("peer-close");
    /** The peer violated the protocol. */
    public static final CloseReason PROTOCOL_ERROR = new CloseReason("protocol-error");
    /** An I/O or internal error. */
    public static final CloseReason ERROR = new CloseReason("error");
    /** The outbound or the process is shutting down. */
    public static final CloseReason SHUTDOWN = new CloseReason("shutdown");

    /**
     * The constructor of API 1.2, when this type was a record.
     *
     * @deprecated since 2.0.0: use {@link #of(String)}
     * @throws IllegalArgumentException when the name is not lower-case words joined by '-'
     */
    @Deprecated(since = "2.0.0")
    public CloseReason(String name) {
        super("close reason", name);
    }

    /**
     * A reason of a plugin's own, e.g. {@code CloseReason.of("rtt-too-high")}.
     *
     * @throws IllegalArgumentException when the name is not lower-case words joined by '-'
     */
    @SuppressWarnings("deprecation")
    public static CloseReason of(String name) {
        return new CloseReason(name);
    }
}
