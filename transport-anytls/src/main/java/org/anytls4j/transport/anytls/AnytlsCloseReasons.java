package org.anytls4j.transport.anytls;

import org.anytls4j.api.CloseReason;

/** The close reasons of the AnyTLS transport's own, beside the protocol-neutral ones of {@link CloseReason}. */
public final class AnytlsCloseReasons {
    /** A v2 peer did not answer a SYN with SYNACK in time (PROTOCOL.md section 6.6). */
    public static final CloseReason SYNACK_TIMEOUT = CloseReason.of("synack-timeout");

    private AnytlsCloseReasons() {
    }
}
