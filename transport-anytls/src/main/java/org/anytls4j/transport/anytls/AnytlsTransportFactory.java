package org.anytls4j.transport.anytls;

import com.typesafe.config.Config;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLException;
import org.slf4j.LoggerFactory;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.outbound.ReferenceFlags;
import org.anytls4j.api.outbound.QuickStart;
import org.anytls4j.api.outbound.SessionConnector;
import org.anytls4j.api.outbound.TransportContext;
import org.anytls4j.api.outbound.TransportFactory;
import org.anytls4j.transport.anytls.client.AnytlsSessionConnector;
import org.anytls4j.transport.anytls.client.ClientSettings;
import org.anytls4j.transport.anytls.tls.ClientTlsContext;
import org.anytls4j.transport.anytls.tools.AnytlsQuickStart;
import org.anytls4j.transport.anytls.tools.AnytlsReferenceFlags;
import org.anytls4j.transport.anytls.tools.AnytlsUri;

/**
 * The {@code anytls} outbound transport: reads the outbound block ({@link ClientSettings}, keys documented in
 * {@code anytls-client.conf}), builds its TLS context and returns an {@link AnytlsSessionConnector}, whose
 * sessions offer the {@link org.anytls4j.api.outbound.Heartbeat} and {@link org.anytls4j.api.outbound.PacketStreams}
 * (UDP over TCP v2) capabilities.
 *
 * <p>It declares anytls-go's client and server flags for the launcher's {@code client} and {@code server}
 * ({@link ReferenceFlags}, {@link AnytlsReferenceFlags}; {@code -s} takes {@code anytls://} links, {@link AnytlsUri}),
 * and makes the server and client of {@code run} without a configuration ({@link QuickStart}, {@link AnytlsQuickStart}).
 *
 * <h2>Threading</h2>
 * Stateless and thread-safe; {@link #create} reads certificate files and must not run on an event loop.
 */
public final class AnytlsTransportFactory implements TransportFactory, ReferenceFlags, QuickStart {
    /** The outbound {@code type}. */
    public static final String TYPE = "anytls";

    private final RandomGenerator random;

    /** Padding sizes from a {@link SecureRandom}, as the reference draws them. */
    public AnytlsTransportFactory() {
        this(new SecureRandom());
    }

    /** Padding sizes from {@code random} (thread-safe); a seeded one reproduces record sizes in tests. */
    public AnytlsTransportFactory(RandomGenerator random) {
        this.random = random;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public List<Flag> clientFlags() {
        return AnytlsReferenceFlags.CLIENT;
    }

    @Override
    public Map<String, Object> clientOutbound(Given given) {
        return AnytlsReferenceFlags.clientOutbound(given);
    }

    @Override
    public List<Flag> serverFlags() {
        return AnytlsReferenceFlags.SERVER;
    }

    @Override
    public Map<String, Object> serverInbound(Given given) {
        return AnytlsReferenceFlags.serverInbound(given);
    }

    @Override
    public Demo demo(String loopback, int serverPort, String serverTag, String serverRoute, String clientTag,
            String password) {
        return AnytlsQuickStart.demo(loopback, serverPort, serverTag, serverRoute, clientTag, password);
    }

    @Override
    public SessionConnector create(Config settings, TransportContext context) {
        ClientSettings client = ClientSettings.parse(settings, warning -> LoggerFactory.getLogger(
                AnytlsTransportFactory.class).warn("outbound={} {}", context.outboundTag(), warning));
        ClientTlsContext tls;
        try {
            tls = ClientTlsContext.create(client.tls(), context.outboundTag());
        } catch (SSLException | GeneralSecurityException e) {
            String key = settings.hasPath("tls.certificate_path") ? "tls.certificate_path" : "tls.certificate";
            throw new InvalidSettingException(settings.hasPath(key) ? settings.getValue(key).origin() : null, key,
                    "cannot build the TLS context: " + e.getMessage());
        }
        return new AnytlsSessionConnector(context.outboundTag(), client, tls, context.netty(), context.ticker(),
                random);
    }
}
