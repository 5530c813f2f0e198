package org.anytls4j.api;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Socket addresses as operators read and paste them: {@code 127.0.0.1:8443}, {@code [::1]:8443},
 * {@code example.com:443}, never Java's {@code /127.0.0.1:8443}, {@code 127.0.0.1/127.0.0.1:8443} or an
 * unbracketed IPv6 literal ({@code /0:0:0:0:0:0:0:1:8443}). The one formatter for addresses in log lines, error
 * texts and {@code /pool}; {@link Destination#toString()} writes the same shape.
 *
 * <h2>Threading</h2>
 * Stateless and thread-safe. Nothing here resolves a name.
 *
 * @since 2.0.0
 */
@Stable
public final class Addresses {
    /**
     * Java's {@code InetSocketAddress.toString()} inside free text (exception messages): an optional host name, a
     * slash, an IPv4 literal or a full eight-group IPv6 literal (with an optional zone; in brackets since Java 14),
     * a colon and the port.
     */
    private static final Pattern JAVA_FORM = Pattern.compile(
            "(?<![\\w/.:\\[\\]-])([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)?/"
            + "(\\d{1,3}(?:\\.\\d{1,3}){3}|\\[?(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?:%[\\w.]+)?]?):(\\d{1,5})\\b");

    private Addresses() {
    }

    /**
     * {@code host:port}: an IP literal (IPv6 compressed as RFC 5952 writes it, in brackets) or, for an address
     * made from a name, the name; {@code -} for null; any other kind of address its own text.
     */
    public static String format(SocketAddress address) {
        if (address == null) {
            return "-";
        }
        if (!(address instanceof InetSocketAddress inet)) {
            return address.toString();
        }
        if (inet.isUnresolved() || inet.getAddress() == null) {
            return hostPort(inet.getHostString(), inet.getPort());
        }
        String literal = NetUtil.toAddressString(inet.getAddress());
        String host = inet.getHostString();
        return hostPort(host.equals(inet.getAddress().getHostAddress()) ? literal : host, inet.getPort());
    }

    /** {@code host:port} of an IP address, IPv6 in brackets. */
    public static String format(InetAddress address, int port) {
        return hostPort(NetUtil.toAddressString(address), port);
    }

    /** {@code host:port}, with {@code host} in brackets when it is an IPv6 literal. */
    public static String hostPort(String host, int port) {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]:" + port : host + ":" + port;
    }

    /**
     * {@code text} with every address in Java's form rewritten as {@link #format(SocketAddress)} writes it:
     * {@code Connection refused: /127.0.0.1:9} becomes {@code Connection refused: 127.0.0.1:9},
     * {@code localhost/127.0.0.1:9} becomes {@code localhost:9}, {@code /0:0:0:0:0:0:0:1:9} becomes {@code [::1]:9}.
     * Null stays null.
     */
    public static String clean(String text) {
        if (text == null || text.indexOf('/') < 0) {
            return text;
        }
        Matcher m = JAVA_FORM.matcher(text);
        if (!m.find()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        do {
            String name = m.group(1);
            String literal = m.group(2).replace("[", "").replace("]", "");
            int port = Integer.parseInt(m.group(3));
            String host;
            if (name != null && !name.equals(literal)) {
                host = name;
            } else if (literal.indexOf(':') >= 0) {
                int zone = literal.indexOf('%');
                byte[] bytes = NetUtil.createByteArrayFromIpAddressString(zone < 0 ? literal
                        : literal.substring(0, zone));
                host = bytes == null ? literal : NetUtil.bytesToIpAddress(bytes) + (zone < 0 ? ""
                        : literal.substring(zone));
            } else {
                host = literal;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(port > 65535 ? m.group() : hostPort(host, port)));
        } while (m.find());
        m.appendTail(out);
        return out.toString();
    }
}
