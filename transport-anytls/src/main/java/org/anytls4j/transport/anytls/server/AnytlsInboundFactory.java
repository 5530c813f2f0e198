package org.anytls4j.transport.anytls.server;

import com.typesafe.config.Config;
import org.anytls4j.api.inbound.Inbound;
import org.anytls4j.api.inbound.InboundContext;
import org.anytls4j.api.inbound.InboundFactory;

/**
 * Contributes the {@code anytls} inbound type, the AnyTLS server. Keys: {@code anytls-server.conf} under
 * {@code anytls4j.inbound.anytls}. Stateless and thread-safe.
 */
public final class AnytlsInboundFactory implements InboundFactory {
    /** The value of {@code type} operators write. */
    public static final String TYPE = "anytls";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Inbound create(Config settings, InboundContext context) {
        return new AnytlsInbound(AnytlsInboundSettings.parse(settings,
                warning -> ServerRuntime.LOG.warn("inbound={} {}", context.inboundTag(), warning)), context);
    }
}
