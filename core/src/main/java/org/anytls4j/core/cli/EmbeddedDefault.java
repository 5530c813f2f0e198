package org.anytls4j.core.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.anytls4j.api.outbound.QuickStart;
import org.anytls4j.core.config.ConfigValidator;

/**
 * What {@code anytls4j run} runs without a configuration: the whole product on one machine, so that a new user
 * sees it work before writing a file.
 * <pre>
 *   curl --socks5/HTTP--> mixed 127.0.0.1:1080 --> transport client --> transport server 127.0.0.1:8443 --> direct
 * </pre>
 * The host owns the ends (the mixed inbound and the {@code direct} outbound) and a fresh random password; the
 * transport's {@link QuickStart} owns the middle (for anytls: a server with a new self-signed certificate, a
 * client that pins it, the Balanced pool profile) and the usage text, since both speak of its protocol.
 *
 * <h2>Threading</h2>
 * Built and used on the launcher's thread.
 */
final class EmbeddedDefault {
    /** Where the mixed inbound listens. */
    static final int PROXY_PORT = 1080;
    /** Where the transport's server listens. */
    static final int SERVER_PORT = 8443;
    /** The source name errors and log lines show for this configuration. */
    static final String SOURCE = "the embedded default";

    private static final String LOOPBACK = "127.0.0.1";
    private static final String PROXY = "local";
    private static final String SERVER = "anytls-in";
    private static final String CLIENT = "proxy";
    private static final String DIRECT = "direct";

    private final QuickStart.Demo demo;

    private EmbeddedDefault(QuickStart.Demo demo) {
        this.demo = demo;
    }

    /**
     * The embedded default with {@code quickStart}'s server and client and a new password.
     *
     * @throws IllegalStateException when the transport cannot make its credentials, with why
     */
    static EmbeddedDefault generate(QuickStart quickStart) {
        return new EmbeddedDefault(quickStart.demo(LOOPBACK, SERVER_PORT, SERVER, DIRECT, CLIENT,
                Secrets.password()));
    }

    /** The configuration: a mixed inbound, the transport's server inbound and client outbound, a direct outbound. */
    Config config() {
        Map<String, Object> mixed = Map.of(
                "type", "mixed", "tag", PROXY, "listen", LOOPBACK, "listen_port", PROXY_PORT, "outbound", CLIENT);
        Map<String, Object> direct = Map.of("type", ConfigValidator.DIRECT, "tag", DIRECT);
        return ConfigFactory.parseMap(Map.of(
                "inbounds", List.of(mixed, demo.serverInbound()),
                "outbounds", List.of(demo.clientOutbound(), direct)), SOURCE);
    }

    /** Tells the user what runs and how to use it, with the addresses actually bound. */
    void printUsage(Map<String, InetSocketAddress> bound, PrintWriter out) {
        out.print(demo.usage(bound.get(PROXY), bound.get(SERVER)));
        out.flush();
    }
}
