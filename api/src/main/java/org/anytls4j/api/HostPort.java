package org.anytls4j.api;

import static java.util.Objects.requireNonNull;

import io.netty.util.NetUtil;

/**
 * A {@code host:port} value as the command line, HTTP (an RFC 9110 authority) and configuration files write it:
 * {@code host:port}, {@code [v6]:port}, or {@code host} / {@code [v6]} alone when the caller has a default port.
 * An IPv6 literal must be in brackets; the host may be empty ({@code :8443}, as Go's listeners take it), and each
 * caller says what that means ({@link #toDestination()} refuses it). The one parser of the host and the plugins.
 *
 * @param host host name or IP literal, without brackets; may be empty
 * @param port 0..65535
 * @since 2.0.0
 */
@Stable
public record HostPort(String host, int port) {
    public HostPort {
        requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, was " + port);
        }
    }

    /**
     * Parses {@code value}.
     *
     * @param what        how messages name the value, e.g. {@code -l} ("-l must be HOST:PORT, was ..."); null for
     *                    messages without a name
     * @param defaultPort the port when {@code value} has none, or -1 when a port is required
     * @throws IllegalArgumentException naming {@code what} and what is wrong: a missing port, a port that is not
     *     a number in 0..65535, an IPv6 literal without brackets, an unclosed {@code [}, junk after {@code ]}
     */
    public static HostPort parse(String what, String value, int defaultPort) {
        requireNonNull(value, "value");
        String named = what == null ? "" : what + ": ";
        String host;
        String port;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException(named + "unclosed '[' in '" + value + "'");
            }
            host = value.substring(1, close);
            String rest = value.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                throw new IllegalArgumentException(named + "junk after ']' in '" + value + "'");
            }
            port = rest.isEmpty() ? null : rest.substring(1);
        } else {
            int colon = value.lastIndexOf(':');
            host = colon < 0 ? value : value.substring(0, colon);
            port = colon < 0 ? null : value.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException(named + "write an IPv6 address in brackets, as [" + host + "]:"
                        + port);
            }
        }
        if (port == null || port.isEmpty()) {
            if (defaultPort < 0) {
                throw new IllegalArgumentException((what == null ? "" : what + " ") + "must be HOST:PORT, was '"
                        + value + "'");
            }
            return new HostPort(host, defaultPort);
        }
        int number = port.length() <= 5 && port.chars().allMatch(c -> c >= '0' && c <= '9')
                ? Integer.parseInt(port) : -1;
        if (number < 0 || number > 65535) {
            throw new IllegalArgumentException(named + "the port must be 0..65535, was '" + port + "'");
        }
        return new HostPort(host, number);
    }

    /** Whether the host is an IPv4 or IPv6 literal. */
    public boolean isIpLiteral() {
        return NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
    }

    /**
     * This value as a destination.
     *
     * @throws IllegalArgumentException when the host is empty
     */
    public Destination toDestination() {
        return new Destination(host, port);
    }

    /** {@code host:port}, with brackets around an IPv6 host. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
