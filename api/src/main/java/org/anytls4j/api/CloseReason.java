package org.anytls4j.api;

import static java.util.Objects.requireNonNull;

/**
 * Why a session was closed. The {@link #name()} is a stable, lower-case, hyphenated word that appears in log
 * lines ({@code reason=idle-timeout}) and as a metric tag; operators grep for it. Plugins may define their
 * own reasons with {@link #of(String)}.
 */
@Stable
public record CloseReason(String name) {
    /** The idle cleanup closed a session idle longer than {@code idle_session_timeout}. */
    public static final CloseReason IDLE_TIMEOUT = new CloseReason("idle-timeout");
    /** The lifetime cleanup closed a session older than its maximum lifetime. */
    public static final CloseReason MAX_AGE = new CloseReason("max-age");
    /** The heartbeat monitor saw too many consecutive missing HeartResponses. */
    public static final CloseReason HEARTBEAT_TIMEOUT = new CloseReason("heartbeat-timeout");
    /** A v2 peer did not answer a SYN with SYNACK in time (PROTOCOL.md section 6.6). */
    public static final CloseReason SYNACK_TIMEOUT = new CloseReason("synack-timeout");
    /** The peer closed the connection or sent an Alert. */
    public static final CloseReason PEER_CLOSE = new CloseReason("peer-close");
    /** The peer violated the protocol. */
    public static final CloseReason PROTOCOL_ERROR = new CloseReason("protocol-error");
    /** An I/O or internal error. */
    public static final CloseReason ERROR = new CloseReason("error");
    /** The outbound or the process is shutting down. */
    public static final CloseReason SHUTDOWN = new CloseReason("shutdown");

    public CloseReason {
        requireNonNull(name, "name");
        if (!name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("close reason must be lower-case words joined by '-', was '" + name + "'");
        }
    }

    /** A reason of a plugin's own, e.g. {@code CloseReason.of("rtt-too-high")}. */
    public static CloseReason of(String name) {
        return new CloseReason(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
