package org.anytls4j.api.outbound;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Destination;
import org.anytls4j.api.Stable;

/**
 * A configured outbound ({@code outbounds = [{ type, tag, ... }]}): something that opens a byte stream to a
 * destination. The host builds one per configured outbound: a pooled outbound over a {@link TransportFactory}'s
 * sessions, or {@code direct}.
 *
 * <h2>The stream</h2>
 * The returned {@link Channel} is a full-duplex byte stream to the destination. Reads deliver {@code ByteBuf}s
 * that the reader owns and must release; writes take {@code ByteBuf}s whose ownership passes to the channel.
 * Back-pressure is Netty's: honour {@link Channel#isWritable()} and {@code channelWritabilityChanged}, and turn
 * {@code autoRead} off to stop deliveries. Closing the channel ends the stream (on a multiplexed session, a FIN);
 * the channel closes by itself when the peer ends it. AnyTLS has no half-close: a stream is either open or closed.
 *
 * <h2>Hand-out: nothing is delivered before the caller reads</h2>
 * The channel is handed out with {@code autoRead} off and delivers nothing until the caller calls
 * {@link Channel#read()} or turns {@code autoRead} on, whatever handlers its pipeline has by then (the contract of
 * Netty's HTTP/2 child channels). Data the destination sends first (a banner, a response to early data) waits in
 * the stream, within the outbound's usual buffering bounds, so back-pressure still applies to a stream nobody
 * reads. The caller installs its handlers first, from any thread and in any order (a logging or idle handler
 * before the reader loses nothing), and then starts reading. Every outbound follows this contract: a multiplexed
 * stream that lives on another event loop as well as a fresh connection registered with {@code autoRead} off.
 *
 * <p>If the peer refuses the stream after the channel was handed out (an error text in SYNACK), a
 * {@link StreamRefusedException} is fired through the channel's pipeline before it closes.
 *
 * <h2>Threading</h2>
 * Thread-safe. The stage completes on an event loop; callbacks must not block.
 */
@Stable
public interface Outbound {
    /** The configured tag. */
    String tag();

    /**
     * Opens a stream to {@code destination}.
     *
     * @param destination where to go
     * @param eventLoop   the caller's event loop; outbounds that make a fresh connection register it there so
     *                    a relay between the two channels needs no thread hop
     * @return completes with the stream once it is usable, with {@code autoRead} off and nothing delivered until
     *     the caller reads (see "Hand-out" above), or fails: {@link StreamRefusedException} when the
     *     server refused it with a reason, another exception when no session or connection could be made
     */
    CompletionStage<Channel> open(Destination destination, EventLoop eventLoop);
}
