package org.anytls4j.api.outbound;

import org.anytls4j.api.Stable;

/**
 * The remote end refused to open a stream and said why, e.g. the text of an AnyTLS SYNACK
 * ({@code dial tcp 127.0.0.1:9: connect: connection refused}). The message is the peer's text, verbatim.
 */
@Stable
public final class StreamRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    public StreamRefusedException(String peerMessage) {
        super(peerMessage, null, false, false);
    }
}
