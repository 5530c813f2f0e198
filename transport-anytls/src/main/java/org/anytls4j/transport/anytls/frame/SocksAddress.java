package org.anytls4j.transport.anytls.frame;

import io.netty.buffer.ByteBuf;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import org.anytls4j.api.Destination;

/**
 * The destination at the start of every stream, in SOCKS5 address form (PROTOCOL.md section 11):
 * {@code ATYP | address | port u16}, ATYP 1 = IPv4, 3 = domain (length byte + name), 4 = IPv6.
 *
 * <p>Writers send domains verbatim; an IP literal given as a host is written as an IP; an IPv4-mapped IPv6
 * address is written as ATYP 4. Readers turn a domain that is an IP literal into that IP, and an IPv4-mapped
 * IPv6 address back into IPv4.
 */
public final class SocksAddress {
    public static final int ATYP_IPV4 = 1;
    public static final int ATYP_DOMAIN = 3;
    public static final int ATYP_IPV6 = 4;

    /** Returned by {@link #read} when more bytes are needed. */
    public static final Destination INCOMPLETE = null;

    private SocksAddress() {
    }

    /** Encoded length of {@code destination}. */
    public static int encodedLength(Destination destination) {
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(destination.host());
        if (ip != null) {
            return 1 + ip.length + 2;
        }
        return 1 + 1 + destination.host().getBytes(StandardCharsets.UTF_8).length + 2;
    }

    /**
     * Writes {@code destination}.
     *
     * @throws IllegalArgumentException for a domain longer than 255 bytes
     */
    public static void write(Destination destination, ByteBuf out) {
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(destination.host());
        if (ip != null) {
            out.writeByte(ip.length == 4 ? ATYP_IPV4 : ATYP_IPV6);
            out.writeBytes(ip);
        } else {
            byte[] name = destination.host().getBytes(StandardCharsets.UTF_8);
            if (name.length > 255) {
                throw new IllegalArgumentException(
                        "a domain name must be at most 255 bytes to be sent, was " + name.length);
            }
            out.writeByte(ATYP_DOMAIN);
            out.writeByte(name.length);
            out.writeBytes(name);
        }
        out.writeShort(destination.port());
    }

    /**
     * Reads one address from {@code in} if it is complete; otherwise returns {@link #INCOMPLETE} and consumes
     * nothing.
     *
     * @throws MalformedAddressException for an unknown ATYP or an empty domain
     */
    public static Destination read(ByteBuf in) {
        if (!in.isReadable()) {
            return INCOMPLETE;
        }
        int start = in.readerIndex();
        int atyp = in.getUnsignedByte(start);
        int addressLength;
        int offset = 1;
        switch (atyp) {
            case ATYP_IPV4 -> addressLength = 4;
            case ATYP_IPV6 -> addressLength = 16;
            case ATYP_DOMAIN -> {
                if (in.readableBytes() < 2) {
                    return INCOMPLETE;
                }
                addressLength = in.getUnsignedByte(start + 1);
                if (addressLength == 0) {
                    throw new MalformedAddressException("empty domain name in destination address");
                }
                offset = 2;
            }
            default -> throw new MalformedAddressException(
                    "unknown address type 0x" + Integer.toHexString(atyp) + " in destination address");
        }
        if (in.readableBytes() < offset + addressLength + 2) {
            return INCOMPLETE;
        }
        String host;
        if (atyp == ATYP_DOMAIN) {
            host = in.toString(start + offset, addressLength, StandardCharsets.UTF_8);
            byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
            if (literal != null) {
                host = toHost(literal);
            }
        } else {
            byte[] raw = new byte[addressLength];
            in.getBytes(start + offset, raw);
            host = toHost(raw);
        }
        int port = in.getUnsignedShort(start + offset + addressLength);
        in.skipBytes(offset + addressLength + 2);
        return new Destination(host, port);
    }

    private static String toHost(byte[] raw) {
        try {
            InetAddress address = InetAddress.getByAddress(raw); // unwraps IPv4-mapped IPv6 to Inet4Address
            return address instanceof Inet4Address
                    ? address.getHostAddress()
                    : NetUtil.toAddressString(address);
        } catch (UnknownHostException e) {
            throw new MalformedAddressException("bad address length " + raw.length);
        }
    }

    /** A destination address that cannot be parsed. */
    public static final class MalformedAddressException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public MalformedAddressException(String message) {
            super(message, null, false, false);
        }
    }
}
