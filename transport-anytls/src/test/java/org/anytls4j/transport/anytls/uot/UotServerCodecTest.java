package org.anytls4j.transport.anytls.uot;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.anytls4j.api.Destination;
import org.anytls4j.transport.anytls.server.HostResolver;
import org.junit.jupiter.api.Test;

/** UDP-over-TCP framing on the server's UDP socket (PROTOCOL.md section 15; vectors: VECTORS.md section 5). */
class UotServerCodecTest {
    private static final InetSocketAddress DNS = new InetSocketAddress("1.1.1.1", 53);

    private static EmbeddedChannel channel(UotServer.Version version) {
        return new EmbeddedChannel(new UotServerCodec(version, new HostResolver(null), "test"));
    }

    private static void write(EmbeddedChannel ch, String hex) {
        ch.writeOutbound(Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex)));
    }

    private static void assertDatagram(EmbeddedChannel ch, InetSocketAddress to, String payloadHex) {
        DatagramPacket p = ch.readOutbound();
        assertThat(p).as("a datagram").isNotNull();
        try {
            assertThat(p.recipient()).isEqualTo(to);
            assertThat(ByteBufUtil.hexDump(p.content())).isEqualTo(payloadHex);
        } finally {
            p.release();
        }
    }

    private static String readFramed(EmbeddedChannel ch) {
        ByteBuf b = ch.readInbound();
        assertThat(b).as("bytes toward the client").isNotNull();
        try {
            return ByteBufUtil.hexDump(b);
        } finally {
            b.release();
        }
    }

    @Test
    void connectedModeHeaderAndPacketsInAnyChunking() {
        EmbeddedChannel ch = channel(UotServer.Version.V2);
        String stream = "0101010101010035" + "0002abcd" + "0003010203";
        for (int i = 0; i < stream.length(); i += 2) { // byte by byte
            write(ch, stream.substring(i, i + 2));
        }
        assertDatagram(ch, DNS, "abcd");
        assertDatagram(ch, DNS, "010203");
        assertThat((Object) ch.readOutbound()).isNull();
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {9, 9}), null, DNS));
        assertThat(readFramed(ch)).isEqualTo("00020909");
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {1}), null,
                new InetSocketAddress("8.8.8.8", 53)));
        assertThat((Object) ch.readInbound()).as("a datagram from another source is dropped").isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void nonConnectedModeAddressesEveryPacketWithTheUotFamilyTable() {
        EmbeddedChannel ch = channel(UotServer.Version.V2);
        write(ch, "0001010101010035" + "000101010100350002abcd"
                + "010000000000000000000000000000000100350002abcd");
        assertDatagram(ch, DNS, "abcd");
        assertDatagram(ch, new InetSocketAddress("::1", 53), "abcd");
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {(byte) 0xab, (byte) 0xcd}), null,
                DNS));
        assertThat(readFramed(ch)).isEqualTo("000101010100350002abcd");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void legacyV1HasNoHeader() {
        EmbeddedChannel ch = channel(UotServer.Version.V1);
        write(ch, "000101010100350002abcd");
        assertDatagram(ch, DNS, "abcd");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void unknownFamilyClosesTheSocket() {
        EmbeddedChannel ch = channel(UotServer.Version.V2);
        write(ch, "0001010101010035" + "07010101010035");
        assertThat(ch.isOpen()).isFalse();
        assertThat((Object) ch.readOutbound()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void datagramsBeforeTheHeaderAreDropped() {
        EmbeddedChannel ch = channel(UotServer.Version.V2);
        ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {1}), null, DNS));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void magicNamesMatchExactly() {
        assertThat(UotServer.versionOf(new Destination("sp.v2.udp-over-tcp.arpa", 0))).isEqualTo(UotServer.Version.V2);
        assertThat(UotServer.versionOf(new Destination("sp.udp-over-tcp.arpa", 0))).isEqualTo(UotServer.Version.V1);
        assertThat(UotServer.versionOf(new Destination("x.sp.v2.udp-over-tcp.arpa", 0))).isNull();
        assertThat(UotServer.versionOf(new Destination("example.com", 443))).isNull();
    }

    @Test
    void addressRoundTrip() {
        ByteBuf b = Unpooled.buffer();
        UotAddress.write(new Destination("example.com", 53), b);
        UotAddress.write(new Destination("::1", 53), b);
        assertThat(UotAddress.read(b)).isEqualTo(new Destination("example.com", 53));
        assertThat(UotAddress.read(b)).isEqualTo(new Destination("::1", 53));
        assertThat(UotAddress.read(b)).isNull();
        b.release();
    }
}
