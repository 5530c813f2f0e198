package org.anytls4j.core.udp;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.socksx.v5.Socks5AddressDecoder;
import io.netty.handler.codec.socksx.v5.Socks5AddressEncoder;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.util.NetUtil;
import java.nio.charset.StandardCharsets;

/**
 * Addresses in the two encodings UDP over TCP v2 uses (PROTOCOL.md sections 11 and 15): SOCKS5 (ATYP 1 IPv4,
 * 3 domain, 4 IPv6; the request header and the SOCKS5 UDP datagram header of RFC 1928 section 7) and the UoT
 * packet family table (0 IPv4, 1 IPv6, 2 domain). Both carry the same bytes after the type byte, so encoding and
 * decoding go through Netty's SOCKS5 address codec, with only the type byte translated.
 *
 * <p>Stateless; buffers are neither retained nor released.
 */
final class UotAddress {
    /** UoT packet family byte for IPv4. */
    static final int FAMILY_IPV4 = 0;
    /** UoT packet family byte for IPv6. */
    static final int FAMILY_IPV6 = 1;
    /** UoT packet family byte for a domain name. */
    static final int FAMILY_DOMAIN = 2;

    private UotAddress() {
    }

    /** The SOCKS5 type for a host string: IPv4 or IPv6 literal, else a domain. */
    static Socks5AddressType typeOf(String host) {
        if (NetUtil.isValidIpV4Address(host)) {
            return Socks5AddressType.IPv4;
        }
        if (NetUtil.isValidIpV6Address(host)) {
            return Socks5AddressType.IPv6;
        }
        return Socks5AddressType.DOMAIN;
    }

    static Socks5AddressType typeOfFamily(int family) {
        return switch (family) {
            case FAMILY_IPV4 -> Socks5AddressType.IPv4;
            case FAMILY_IPV6 -> Socks5AddressType.IPv6;
            case FAMILY_DOMAIN -> Socks5AddressType.DOMAIN;
            default -> throw new IllegalArgumentException(String.format(
                    "unknown UoT address family 0x%02X (expected 0x00 IPv4, 0x01 IPv6, 0x02 domain)", family));
        };
    }

    static int familyOf(Socks5AddressType type) {
        if (type == Socks5AddressType.IPv4) {
            return FAMILY_IPV4;
        }
        if (type == Socks5AddressType.IPv6) {
            return FAMILY_IPV6;
        }
        return FAMILY_DOMAIN;
    }

    /**
     * Bytes of the address after its type byte, starting at {@code index}, or -1 if {@code in} does not yet hold
     * the domain length byte.
     */
    static int bodyLength(ByteBuf in, int index, Socks5AddressType type) {
        if (type == Socks5AddressType.IPv4) {
            return 4;
        }
        if (type == Socks5AddressType.IPv6) {
            return 16;
        }
        if (index >= in.writerIndex()) {
            return -1;
        }
        return 1 + in.getUnsignedByte(index);
    }

    /** Writes the address body (no type byte) of {@code host}. */
    static void writeBody(Socks5AddressType type, String host, ByteBuf out) {
        if (type == Socks5AddressType.DOMAIN
                && host.getBytes(StandardCharsets.US_ASCII).length > 255) {
            throw new IllegalArgumentException("domain longer than 255 bytes: " + host.length());
        }
        try {
            Socks5AddressEncoder.DEFAULT.encodeAddress(type, host, out);
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot encode address '" + host + "': " + e.getMessage(), e);
        }
    }

    /** Reads the address body (no type byte); the caller checked that it is all there. */
    static String readBody(Socks5AddressType type, ByteBuf in) {
        try {
            return Socks5AddressDecoder.DEFAULT.decodeAddress(type, in);
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot decode " + type + " address: " + e.getMessage(), e);
        }
    }
}
