package org.anytls4j.core.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import org.anytls4j.core.relay.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** PROTOCOL.md section 15, non-connected mode, server to client. */
@ExtendWith(LeakCheck.class)
class UotPacketDecoderTest {
    /** family 0 (IPv4) 127.0.0.1, port 53, length 3, "abc". */
    private static final byte[] IPV4_PACKET = {0x00, 127, 0, 0, 1, 0x00, 0x35, 0x00, 0x03, 'a', 'b', 'c'};

    private static ByteBuf domainPacket() {
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte(0x02).writeByte(11).writeCharSequence("example.com", StandardCharsets.US_ASCII);
        buf.writeShort(443).writeShort(2).writeByte('h').writeByte('i');
        return buf;
    }

    private static void assertPacket(UotPacket packet, String host, int port, String payload) {
        try {
            assertThat(packet.host()).isEqualTo(host);
            assertThat(packet.port()).isEqualTo(port);
            assertThat(packet.content().toString(StandardCharsets.US_ASCII)).isEqualTo(payload);
        } finally {
            packet.release();
        }
    }

    @Test
    void decodesAPacketFedByteByByte() {
        EmbeddedChannel ch = new EmbeddedChannel(new UotPacketDecoder());
        for (byte b : IPV4_PACKET) {
            assertThat((Object) ch.readInbound()).isNull();
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertPacket(ch.readInbound(), "127.0.0.1", 53, "abc");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void decodesTwoPacketsInOneBufferIncludingADomainSource() {
        EmbeddedChannel ch = new EmbeddedChannel(new UotPacketDecoder());
        ch.writeInbound(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(IPV4_PACKET), domainPacket()));
        assertPacket(ch.readInbound(), "127.0.0.1", 53, "abc");
        assertPacket(ch.readInbound(), "example.com", 443, "hi");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void unknownFamilyIsACorruptedStreamNamingTheByte() {
        EmbeddedChannel ch = new EmbeddedChannel(new UotPacketDecoder());
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x03, 1, 2, 3})))
                .isInstanceOf(CorruptedFrameException.class)
                .hasMessageContaining("unknown UoT address family 0x03");
        ch.writeInbound(Unpooled.wrappedBuffer(IPV4_PACKET)); // discarded after the violation
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }
}
