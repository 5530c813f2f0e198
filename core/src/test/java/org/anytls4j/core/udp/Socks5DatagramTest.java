package org.anytls4j.core.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.anytls4j.api.Destination;
import org.junit.jupiter.api.Test;

/** RFC 1928 section 7 datagram headers, a domain counted in UTF-8 bytes. */
class Socks5DatagramTest {
    /** An internationalised name as the user typed it (no IDNA): 10 chars, 14 bytes of UTF-8. */
    private static final String IDN = "bücher.δοκ";

    private static Destination read(String hex) {
        ByteBuf in = Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
        try {
            Destination read = Socks5Datagram.read(in);
            assertThat(ByteBufUtil.hexDump(in)).isEqualTo("7079"); // left at the payload "py"
            return read;
        } finally {
            in.release();
        }
    }

    private static String write(Destination source) {
        ByteBuf out = Unpooled.buffer();
        try {
            Socks5Datagram.write(source, out);
            return ByteBufUtil.hexDump(out);
        } finally {
            out.release();
        }
    }

    @Test
    void aNonAsciiDomainRoundTripsWithItsByteLength() {
        String name = HexFormat.of().formatHex(IDN.getBytes(StandardCharsets.UTF_8));
        assertThat(write(new Destination(IDN, 53))).isEqualTo("000000" + "03" + "0e" + name + "0035");
        assertThat(read("000000" + "03" + "0e" + name + "0035" + "7079")).isEqualTo(new Destination(IDN, 53));
    }

    @Test
    void ipAddressesRoundTrip() {
        assertThat(write(new Destination("127.0.0.1", 443))).isEqualTo("00000001" + "7f000001" + "01bb");
        assertThat(read("00000001" + "7f000001" + "01bb" + "7079")).isEqualTo(new Destination("127.0.0.1", 443));
        assertThat(write(new Destination("::1", 443))).isEqualTo("00000004" + "0".repeat(30) + "01" + "01bb");
        assertThat(read("00000004" + "0".repeat(30) + "01" + "01bb" + "7079")).isEqualTo(new Destination("::1", 443));
    }

    @Test
    void malformedHeadersAreNamedAndNothingIsWrittenForAnOverlongName() {
        assertThatThrownBy(() -> read("0000")).hasMessageContaining("shorter than a SOCKS5 UDP header (2 bytes)");
        assertThatThrownBy(() -> read("00000101" + "7f000001" + "01bb")).hasMessageContaining("fragment 0x01");
        assertThatThrownBy(() -> read("00000002")).hasMessageContaining("unknown address type 0x02");
        assertThatThrownBy(() -> read("00000003" + "05" + "6162")).hasMessageContaining("truncated");
        assertThatThrownBy(() -> read("00000003" + "00" + "0035")).hasMessageContaining("empty domain");
        ByteBuf out = Unpooled.buffer();
        try {
            assertThatThrownBy(() -> Socks5Datagram.write(new Destination("é".repeat(128), 53), out))
                    .hasMessageContaining("at most 255 bytes in SOCKS5, was 256");
            assertThat(out.readableBytes()).isZero();
        } finally {
            out.release();
        }
    }
}
