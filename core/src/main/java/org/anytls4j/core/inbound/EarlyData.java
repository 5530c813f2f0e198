package org.anytls4j.core.inbound;

import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Messages a client sent after its request but before the outbound stream opened (e.g. a TLS ClientHello sent
 * optimistically right after a SOCKS CONNECT). They are held, then written to the stream ahead of the relay, or
 * released if the open fails or the client leaves.
 *
 * <h2>Threading and ownership</h2>
 * Confined to the connection's event loop. Owns every held message until {@link #writeTo} or
 * {@link #release()}.
 */
final class EarlyData {
    private final ArrayDeque<Object> held = new ArrayDeque<>();

    void add(Object msg) {
        held.add(msg);
    }

    /** Writes (without flushing) everything held to {@code stream}, which then owns it. */
    void writeTo(Channel stream) {
        Object msg;
        while ((msg = held.poll()) != null) {
            stream.write(msg, stream.voidPromise());
        }
    }

    void release() {
        Object msg;
        while ((msg = held.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
