package org.anytls4j.api;

import static java.util.Objects.requireNonNull;

/**
 * Where a stream goes: a host (a domain name or an IP literal, as given by the client) and a TCP or UDP port.
 * Domain names are carried verbatim: no IDNA conversion and no case folding (PROTOCOL.md section 11). Immutable;
 * equal when host and port are. A record until 2.0.0, with the same constructor and accessors: a host and a port are
 * all a destination is, so its constructor stays the way to make one.
 */
@Stable
public final class Destination {
    private final String host;
    private final int port;

    /**
     * @param host a domain name, an IPv4 literal, or an IPv6 literal without brackets; never empty
     * @param port 0 to 65535
     */
    public Destination(String host, int port) {
        requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, was " + port);
        }
        this.host = host;
        this.port = port;
    }

    /** A domain name, an IPv4 literal, or an IPv6 literal without brackets; never empty. */
    public String host() {
        return host;
    }

    /** 0 to 65535. */
    public int port() {
        return port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Destination other && host.equals(other.host) && port == other.port;
    }

    @Override
    public int hashCode() {
        return host.hashCode() * 31 + port;
    }

    /** {@code host:port}, with an IPv6 literal in brackets. */
    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
