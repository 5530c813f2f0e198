package org.anytls4j.api.outbound;

import java.io.IOException;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Stable;

/**
 * A stream was cut off before it ended normally: its session died under it (heartbeat timeout, watchdog, the
 * peer vanished, the outbound shut down) or the peer reset it, so the data it carried is incomplete. A transport
 * fires it through the stream's pipeline ({@code exceptionCaught}) just before the stream closes; whoever relays
 * the stream to a local connection must then end that connection abnormally (a TCP RST), never with a clean EOF
 * that an application would take for a complete transfer.
 *
 * @since 1.2.0
 */
@Stable
public final class StreamResetException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient CloseReason reason;

    /**
     * @param reason why the session ended, e.g. {@link CloseReason#HEARTBEAT_TIMEOUT}
     * @param message what happened, in words, for the log
     */
    public StreamResetException(CloseReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** Why the stream's session ended. */
    public CloseReason reason() {
        return reason;
    }
}
