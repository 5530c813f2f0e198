package org.anytls4j.transport.anytls.uot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Packet;
import org.anytls4j.core.relay.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** PROTOCOL.md section 15, non-connected mode: the client's packet stream codec, both directions. */
@ExtendWith(LeakCheck.class)
class UotClientTest {
    /** family 0 (IPv4) 127.0.0.1, port 53, length 3, "abc". */
    private static final byte[] IPV4_PACKET = {0x00, 127, 0, 0, 1, 0x00, 0x35, 0x00, 0x03, 'a', 'b', 'c'};
    /** An internationalised name as the user typed it (no IDNA): 10 chars, 14 bytes of UTF-8. */
    private static final String IDN = "bücher.δοκ";

    private static ByteBuf domainPacket() {
        ByteBuf buf = Unpooled.buffer();
        buf.writeByte(0x02).writeByte(11).writeCharSequence("example.com", StandardCharsets.US_ASCII);
        buf.writeShort(443).writeShort(2).writeByte('h').writeByte('i');
        return buf;
    }

    private static void assertPacket(Packet packet, String host, int port, String payload) {
        try {
            assertThat(packet.peer()).isEqualTo(new Destination(host, port));
            assertThat(packet.content().toString(StandardCharsets.UTF_8)).isEqualTo(payload);
        } finally {
            packet.release();
        }
    }

    private static Packet packet(String host, int port, String payload) {
        return new Packet(new Destination(host, port), Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8));
    }

    private static String hexOf(ByteBuf buf) {
        try {
            return ByteBufUtil.hexDump(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void decodesAPacketFedByteByByte() {
        EmbeddedChannel ch = new EmbeddedChannel(new UotClient.Decoder());
        for (byte b : IPV4_PACKET) {
            assertThat((Object) ch.readInbound()).isNull();
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertPacket(ch.readInbound(), "127.0.0.1", 53, "abc");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void decodesTwoPacketsInOneBufferIncludingADomainSource() {
        EmbeddedChannel ch = new EmbeddedChannel(new UotClient.Decoder());
        ch.writeInbound(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(IPV4_PACKET), domainPacket()));
        assertPacket(ch.readInbound(), "127.0.0.1", 53, "abc");
        assertPacket(ch.readInbound(), "example.com", 443, "hi");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void unknownFamilyIsACorruptedStreamNamingTheByte() {
        EmbeddedChannel ch = new EmbeddedChannel(new UotClient.Decoder());
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x03, 1, 2, 3})))
                .isInstanceOf(CorruptedFrameException.class)
                .hasMessageContaining("unknown UDP-over-TCP address family 3");
        ch.writeInbound(Unpooled.wrappedBuffer(IPV4_PACKET)); // discarded after the violation
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void theRequestHeaderGoesWithTheFirstPacketOnly() {
        EmbeddedChannel ch = new EmbeddedChannel(new UotClient.Encoder());
        ch.writeOutbound(packet("127.0.0.1", 53, "a"), packet("::1", 443, "b"));
        // isConnect 0, SOCKS ATYP 1 127.0.0.1:53; family 0 127.0.0.1:53, length 1, "a"
        assertThat(hexOf(ch.readOutbound())).isEqualTo("00" + "017f0000010035" + "007f0000010035" + "0001" + "61");
        // family 1 ::1 port 443, length 1, "b"
        assertThat(hexOf(ch.readOutbound())).isEqualTo("01" + "0".repeat(30) + "01" + "01bb" + "0001" + "62");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aNonAsciiDomainIsCountedInUtf8BytesBothWays() {
        byte[] name = IDN.getBytes(StandardCharsets.UTF_8);
        assertThat(name).hasSize(14); // and IDN.length() is 10: a char count on the wire would cut the name
        String nameHex = HexFormat.of().formatHex(name);
        EmbeddedChannel ch = new EmbeddedChannel(new UotClient.Decoder(), new UotClient.Encoder());
        ch.writeOutbound(packet(IDN, 53, "q"));
        assertThat(hexOf(ch.readOutbound())).isEqualTo("00" + "03" + "0e" + nameHex + "0035" // header: ATYP 3
                + "02" + "0e" + nameHex + "0035" + "0001" + "71"); // packet: family 2
        ch.writeInbound(Unpooled.wrappedBuffer(HexFormat.of().parseHex("020e" + nameHex + "0035" + "0001" + "72")));
        assertPacket(ch.readInbound(), IDN, 53, "r");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aPacketThatCannotBeFramedFailsItsWriteAndLeavesTheStreamUsable() {
        EmbeddedChannel ch = new EmbeddedChannel(new UotClient.Encoder());
        ChannelFuture tooLong = ch.writeOneOutbound(packet("x".repeat(256), 53, "a"));
        ch.flushOutbound();
        assertThat(tooLong.isSuccess()).isFalse();
        assertThat(tooLong.cause()).hasMessageContaining("at most 255 bytes");
        ch.writeOutbound(packet("127.0.0.1", 53, "a"));
        assertThat(hexOf(ch.readOutbound())).startsWith("00017f0000010035"); // the header still goes first
        assertThat(ch.finish()).isFalse();
    }
}
