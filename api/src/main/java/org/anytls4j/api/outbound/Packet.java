package org.anytls4j.api.outbound;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import org.anytls4j.api.Destination;
import org.anytls4j.api.Stable;

/**
 * One datagram on a packet stream ({@link PacketStreams}, {@link PacketOutbound}): its peer and its payload.
 * Written to a packet stream, {@link #peer()} is where the datagram goes; read from one, it is where the datagram
 * came from. Protocol-neutral: how a transport frames it on the wire is the transport's business.
 *
 * <h2>Ownership</h2>
 * Reference counted through the payload, like any {@link io.netty.buffer.ByteBufHolder}: writing a packet passes
 * it to the channel; whoever reads one from a pipeline releases it.
 *
 * @since 2.0.0
 */
@Stable
public final class Packet extends DefaultByteBufHolder {
    private final Destination peer;

    /**
     * @param peer    the destination (written) or the source (read) of the datagram
     * @param payload the datagram's bytes, whose ownership passes to the packet
     */
    public Packet(Destination peer, ByteBuf payload) {
        super(payload);
        this.peer = requireNonNull(peer, "peer");
    }

    /** The destination of a packet written, the source of a packet read. */
    public Destination peer() {
        return peer;
    }

    @Override
    public Packet replace(ByteBuf content) {
        return new Packet(peer, content);
    }

    @Override
    public Packet copy() {
        return replace(content().copy());
    }

    @Override
    public Packet duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public Packet retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public Packet retain() {
        super.retain();
        return this;
    }

    @Override
    public Packet retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public Packet touch() {
        super.touch();
        return this;
    }

    @Override
    public Packet touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "Packet[" + peer + ", " + content().readableBytes() + " bytes]";
    }
}
