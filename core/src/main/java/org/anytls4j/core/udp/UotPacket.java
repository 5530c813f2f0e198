package org.anytls4j.core.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One UDP over TCP v2 packet in non-connected mode (PROTOCOL.md section 15): its peer (the destination client to
 * server, the source server to client) and its payload. Reference counted through the payload; whoever reads it
 * from a pipeline releases it.
 */
final class UotPacket extends DefaultByteBufHolder {
    private final String host;
    private final int port;

    UotPacket(String host, int port, ByteBuf payload) {
        super(payload);
        this.host = host;
        this.port = port;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    @Override
    public String toString() {
        return "UotPacket[" + host + ":" + port + ", " + content().readableBytes() + " bytes]";
    }
}
