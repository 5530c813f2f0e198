package org.anytls4j.core.udp;

import io.netty.buffer.ByteBuf;
import io.netty.util.NetUtil;
import java.nio.charset.StandardCharsets;
import org.anytls4j.api.Destination;

/**
 * The header of a SOCKS5 UDP datagram (RFC 1928 section 7): {@code RSV u16 | FRAG u8 | ATYP u8 | DST.ADDR |
 * DST.PORT u16}, ATYP 1 IPv4 (4 bytes), 3 domain (a length byte, then the name), 4 IPv6 (16 bytes). A domain is
 * carried verbatim as UTF-8 (no IDNA, PROTOCOL.md section 11) and its length counts bytes, not chars.
 *
 * <p>Stateless; buffers are neither retained nor released.
 */
final class Socks5Datagram {
    private static final int ATYP_IPV4 = 1;
    private static final int ATYP_DOMAIN = 3;
    private static final int ATYP_IPV6 = 4;

    private Socks5Datagram() {
    }

    /**
     * Reads the header at {@code in}'s reader index, leaving it at the payload.
     *
     * @return the datagram's destination
     * @throws IllegalArgumentException naming what is wrong: too short, fragmented, an unknown address type,
     *     an empty domain; nothing is consumed then
     */
    static Destination read(ByteBuf in) {
        int start = in.readerIndex();
        if (in.readableBytes() < 4) {
            throw new IllegalArgumentException("shorter than a SOCKS5 UDP header (" + in.readableBytes() + " bytes)");
        }
        int frag = in.getUnsignedByte(start + 2);
        if (frag != 0) {
            throw new IllegalArgumentException(String.format("fragment 0x%02X: fragmentation is not supported", frag));
        }
        int atyp = in.getUnsignedByte(start + 3);
        int offset = 4;
        int length = switch (atyp) {
            case ATYP_IPV4 -> 4;
            case ATYP_IPV6 -> 16;
            case ATYP_DOMAIN -> in.readableBytes() > 4 ? in.getUnsignedByte(start + offset++) : -1;
            default -> throw new IllegalArgumentException(String.format("unknown address type 0x%02X", atyp));
        };
        if (length < 0 || in.readableBytes() < offset + length + 2) {
            throw new IllegalArgumentException("truncated SOCKS5 UDP header");
        }
        if (length == 0) {
            throw new IllegalArgumentException("empty domain in a SOCKS5 UDP header");
        }
        String host = atyp == ATYP_DOMAIN ? in.toString(start + offset, length, StandardCharsets.UTF_8)
                : ipString(in, start + offset, length);
        int port = in.getUnsignedShort(start + offset + length);
        in.skipBytes(offset + length + 2);
        return new Destination(host, port);
    }

    /**
     * Writes the header naming {@code source}: an IP literal as ATYP 1 or 4, anything else as a domain.
     *
     * @throws IllegalArgumentException for a domain longer than 255 bytes; nothing is written then
     */
    static void write(Destination source, ByteBuf out) {
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(source.host());
        byte[] name = ip == null ? source.host().getBytes(StandardCharsets.UTF_8) : null;
        if (name != null && name.length > 255) {
            throw new IllegalArgumentException("a domain must be at most 255 bytes in SOCKS5, was " + name.length);
        }
        out.writeZero(3); // RSV, FRAG
        if (ip != null) {
            out.writeByte(ip.length == 4 ? ATYP_IPV4 : ATYP_IPV6).writeBytes(ip);
        } else {
            out.writeByte(ATYP_DOMAIN).writeByte(name.length).writeBytes(name);
        }
        out.writeShort(source.port());
    }

    private static String ipString(ByteBuf in, int index, int length) {
        byte[] raw = new byte[length];
        in.getBytes(index, raw);
        return NetUtil.bytesToIpAddress(raw);
    }
}
