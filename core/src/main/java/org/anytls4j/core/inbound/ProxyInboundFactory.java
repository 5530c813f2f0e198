package org.anytls4j.core.inbound;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.util.List;
import org.anytls4j.api.inbound.Inbound;
import org.anytls4j.api.inbound.InboundContext;
import org.anytls4j.api.inbound.InboundFactory;

/**
 * Contributes the local proxy inbound types {@code mixed}, {@code socks} and {@code http}; keys under
 * {@code anytls4j.inbound.<type>} in {@code anytls4j-inbounds.conf}. Stateless and thread-safe.
 */
public final class ProxyInboundFactory implements InboundFactory {
    private final ProxyKind kind;

    private ProxyInboundFactory(ProxyKind kind) {
        this.kind = kind;
    }

    /** {@code mixed}: SOCKS4/4a, SOCKS5 and HTTP proxy on one port. */
    public static InboundFactory mixed() {
        return new ProxyInboundFactory(ProxyKind.MIXED);
    }

    /** {@code socks}: SOCKS4/4a and SOCKS5. */
    public static InboundFactory socks() {
        return new ProxyInboundFactory(ProxyKind.SOCKS);
    }

    /** {@code http}: HTTP CONNECT and plain HTTP forward proxy. */
    public static InboundFactory http() {
        return new ProxyInboundFactory(ProxyKind.HTTP);
    }

    /** The three factories, for the host's built-in contributions. */
    public static List<InboundFactory> all() {
        return List.of(mixed(), socks(), http());
    }

    @Override
    public String type() {
        return kind.type();
    }

    @Override
    public Inbound create(Config settings, InboundContext context) {
        requireNonNull(settings, "settings");
        requireNonNull(context, "context");
        return new ProxyInbound(kind, ProxyInboundSettings.parse(settings, kind), context);
    }

    @Override
    public String toString() {
        return "ProxyInboundFactory[" + kind.type() + "]";
    }
}
