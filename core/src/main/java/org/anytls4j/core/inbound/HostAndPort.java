package org.anytls4j.core.inbound;

import org.anytls4j.api.Destination;

/** Parses the {@code host[:port]} forms of HTTP (RFC 9110 authority, RFC 3986 with bracketed IPv6 literals). */
final class HostAndPort {
    private HostAndPort() {
    }

    /**
     * @param authority   {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}; no user info
     * @param defaultPort used when the port is absent, or -1 if a port is required
     * @throws IllegalArgumentException naming what is wrong
     */
    static Destination parse(String authority, int defaultPort) {
        if (authority.indexOf('@') >= 0) {
            throw new IllegalArgumentException("user info is not allowed in '" + authority + "'");
        }
        String host;
        String port = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '[' in '" + authority + "'");
            }
            host = authority.substring(1, close);
            String rest = authority.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("junk after ']' in '" + authority + "'");
                }
                port = rest.substring(1);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            if (colon >= 0 && authority.indexOf(':') != colon) {
                throw new IllegalArgumentException("IPv6 literal must be in brackets in '" + authority + "'");
            }
            host = colon < 0 ? authority : authority.substring(0, colon);
            port = colon < 0 ? null : authority.substring(colon + 1);
        }
        int portNumber;
        if (port == null || port.isEmpty()) {
            if (defaultPort < 0) {
                throw new IllegalArgumentException("port missing in '" + authority + "'");
            }
            portNumber = defaultPort;
        } else {
            try {
                portNumber = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port '" + port + "' in '" + authority + "'");
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host in '" + authority + "'");
        }
        return new Destination(host, portNumber);
    }
}
