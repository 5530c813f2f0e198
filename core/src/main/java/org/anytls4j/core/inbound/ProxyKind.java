package org.anytls4j.core.inbound;

/** The three local proxy inbound types and the protocols each accepts on its port. */
enum ProxyKind {
    /** {@code mixed}: SOCKS4/4a, SOCKS5 (with UDP ASSOCIATE) and HTTP on one port. */
    MIXED("mixed", true, true),
    /** {@code socks}: SOCKS4/4a and SOCKS5 (with UDP ASSOCIATE). */
    SOCKS("socks", true, false),
    /** {@code http}: HTTP CONNECT and plain HTTP forward proxy. */
    HTTP("http", false, true);

    private final String type;
    private final boolean socks;
    private final boolean http;

    ProxyKind(String type, boolean socks, boolean http) {
        this.type = type;
        this.socks = socks;
        this.http = http;
    }

    /** What operators write as {@code type}. */
    String type() {
        return type;
    }

    boolean acceptsSocks() {
        return socks;
    }

    boolean acceptsHttp() {
        return http;
    }

    /** Only SOCKS5 carries UDP, so only the SOCKS-capable kinds read {@code udp_timeout}. */
    boolean acceptsUdp() {
        return socks;
    }
}
