package org.anytls4j.api.outbound;

import io.netty.channel.Channel;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Stable;

/**
 * A session capability ({@link Session#capability}): open a stream on the session that carries datagrams, each a
 * {@link Packet}, in both directions. For AnyTLS, a UDP over TCP v2 stream (PROTOCOL.md section 15); the framing
 * stays inside the transport, so the host relays UDP (e.g. a SOCKS5 UDP ASSOCIATE) without knowing it.
 *
 * <p>The returned channel follows {@link Outbound}'s stream contract (handed out with {@code autoRead} off,
 * nothing delivered until the caller reads; closing it ends the stream) except that it reads and writes
 * {@link Packet}s instead of bytes. Each packet written carries its own destination; each packet read names its
 * source. A packet that cannot be framed (e.g. a domain name longer than the wire format allows) fails its write
 * promise and is dropped, as UDP may; the stream stays open.
 *
 * <h2>Threading</h2>
 * Thread-safe; the stage completes on the session's event loop.
 *
 * @since 2.0.0
 */
@Stable
public interface PacketStreams {
    /**
     * Opens a packet stream on this session.
     *
     * @return completes with the stream, or fails as {@link Session#openStream} does
     */
    CompletionStage<Channel> openPacketStream();
}
