package org.anytls4j.api;

import static java.util.Objects.requireNonNull;

/**
 * Where a stream goes: a host (a domain name or an IP literal, as given by the client) and a TCP or UDP port.
 * Domain names are carried verbatim: no IDNA conversion and no case folding (PROTOCOL.md section 11).
 *
 * @param host a domain name, an IPv4 literal, or an IPv6 literal without brackets; never empty
 * @param port 0 to 65535
 */
@Stable
public record Destination(String host, int port) {
    public Destination {
        requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, was " + port);
        }
    }

    /** {@code host:port}, with an IPv6 literal in brackets. */
    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
