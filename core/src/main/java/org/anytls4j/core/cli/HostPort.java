package org.anytls4j.core.cli;

import io.netty.util.NetUtil;

/**
 * A {@code host:port} command-line value as the reference's flags take it ({@code -l 0.0.0.0:8443},
 * {@code -s proxy.example.net:443}); an IPv6 host is written in brackets ({@code [::1]:1080}). As in Go, the host
 * may be empty ({@code -l :8443}); each command says what that means.
 *
 * @param host host name or IP literal, without brackets; may be empty
 * @param port 0..65535
 */
record HostPort(String host, int port) {
    /**
     * @param option the option's name, for the message
     * @throws IllegalArgumentException naming the option and what is wrong
     */
    static HostPort parse(String option, String value) {
        int colon = value.lastIndexOf(':');
        if (colon < 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException(option + " must be HOST:PORT, was '" + value + "'");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException(option + ": write an IPv6 address in brackets, as [" + host + "]:"
                    + value.substring(colon + 1));
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + ": the port must be 0..65535, was '"
                    + value.substring(colon + 1) + "'");
        }
        return new HostPort(host, port);
    }

    /** Whether the host is an IPv4 or IPv6 literal. */
    boolean isIpLiteral() {
        return NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
    }

    /** {@code host:port}, with brackets around an IPv6 host. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
