package org.anytls4j.transport.anytls.uot;

import io.netty.buffer.ByteBuf;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import org.anytls4j.api.Destination;

/**
 * The per-packet address of UDP-over-TCP non-connected mode (PROTOCOL.md section 15): a family byte from a
 * table that differs from SOCKS ({@code 0} IPv4 + 4 bytes, {@code 1} IPv6 + 16 bytes, {@code 2} domain + length
 * byte + name), then the port as u16. Stateless.
 */
public final class UotAddress {
    public static final int FAMILY_IPV4 = 0;
    public static final int FAMILY_IPV6 = 1;
    public static final int FAMILY_DOMAIN = 2;

    private UotAddress() {
    }

    /**
     * Reads an address and port at {@code in}'s reader index, consuming them; null (nothing consumed) when more
     * bytes are needed.
     *
     * @throws IllegalArgumentException for an unknown family byte or an empty domain
     */
    public static Destination read(ByteBuf in) {
        if (!in.isReadable()) {
            return null;
        }
        int start = in.readerIndex();
        int family = in.getUnsignedByte(start);
        int offset = 1;
        int length;
        switch (family) {
            case FAMILY_IPV4 -> length = 4;
            case FAMILY_IPV6 -> length = 16;
            case FAMILY_DOMAIN -> {
                if (in.readableBytes() < 2) {
                    return null;
                }
                length = in.getUnsignedByte(start + 1);
                if (length == 0) {
                    throw new IllegalArgumentException("empty domain in UDP-over-TCP packet address");
                }
                offset = 2;
            }
            default -> throw new IllegalArgumentException(
                    "unknown UDP-over-TCP address family " + family + " (0 = IPv4, 1 = IPv6, 2 = domain)");
        }
        if (in.readableBytes() < offset + length + 2) {
            return null;
        }
        String host;
        if (family == FAMILY_DOMAIN) {
            host = in.toString(start + offset, length, StandardCharsets.UTF_8);
        } else {
            byte[] raw = new byte[length];
            in.getBytes(start + offset, raw);
            host = hostOf(raw);
        }
        int port = in.getUnsignedShort(start + offset + length);
        in.skipBytes(offset + length + 2);
        return new Destination(host, port);
    }

    /** Writes {@code address} (an IP) and its port. */
    public static void write(InetSocketAddress address, ByteBuf out) {
        InetAddress ip = address.getAddress();
        byte[] raw = ip.getAddress();
        out.writeByte(raw.length == 4 ? FAMILY_IPV4 : FAMILY_IPV6);
        out.writeBytes(raw);
        out.writeShort(address.getPort());
    }

    /** Writes {@code destination}: an IP literal as an IP, anything else as a domain. */
    public static void write(Destination destination, ByteBuf out) {
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(destination.host());
        if (ip != null) {
            out.writeByte(ip.length == 4 ? FAMILY_IPV4 : FAMILY_IPV6);
            out.writeBytes(ip);
        } else {
            byte[] name = destination.host().getBytes(StandardCharsets.UTF_8);
            if (name.length > 255) {
                throw new IllegalArgumentException("a domain must be at most 255 bytes, was " + name.length);
            }
            out.writeByte(FAMILY_DOMAIN);
            out.writeByte(name.length);
            out.writeBytes(name);
        }
        out.writeShort(destination.port());
    }

    private static String hostOf(byte[] raw) {
        try {
            InetAddress address = InetAddress.getByAddress(raw);
            return address.getAddress().length == 4 ? address.getHostAddress() : NetUtil.toAddressString(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address length " + raw.length, e);
        }
    }
}
