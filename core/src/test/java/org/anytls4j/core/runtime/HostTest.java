package org.anytls4j.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.anytls4j.api.ApiVersion;
import org.anytls4j.api.Ticker;
import org.anytls4j.core.config.InvalidConfigException;
import org.anytls4j.core.plugin.InstalledPlugin;
import org.anytls4j.core.plugin.PluginContributions;
import org.anytls4j.core.plugin.PluginStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HostTest {
    private final Host host = host();

    private static Host host() {
        ClassLoader loader = HostTest.class.getClassLoader();
        PluginContributions contributions = PluginContributions.of(List.of(new InstalledPlugin(
                PluginContributions.CORE_PLUGIN_ID, ApiVersion.PRODUCT, "", PluginStatus.STARTED, "", loader,
                ConfigFactory.parseResources(loader, "reference.conf"), List.of(new BuiltinContributions()))));
        return new Host(contributions, contributions.transports(), contributions.inbounds(),
                contributions.poolPolicies(), contributions.sessionMonitors(), new DefaultNettyResources(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Ticker.SYSTEM);
    }

    @AfterEach
    void close() {
        host.close();
    }

    private static Config mixedOnPort(int port) {
        return ConfigFactory.parseString("""
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = %d } ]
                outbounds = [ { type = direct, tag = out } ]
                """.formatted(port));
    }

    private static void connect(InetSocketAddress address) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, 5_000);
        }
    }

    @Test
    void startsTheInboundsOfAConfigurationAndStopsThemAgain() throws IOException {
        Map<String, InetSocketAddress> bound = host.start(mixedOnPort(0), "test");

        InetSocketAddress local = bound.get("local");
        assertThat(local.getPort()).isPositive();
        connect(local);

        host.stop();

        assertThatThrownBy(() -> connect(local)).isInstanceOf(ConnectException.class);
    }

    @Test
    void refusesToStartTwiceAndCanStartAgainAfterStop() throws IOException {
        host.start(mixedOnPort(0), "first");

        assertThatThrownBy(() -> host.start(mixedOnPort(0), "second"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already running");

        host.stop();
        connect(host.start(mixedOnPort(0), "third").get("local"));
    }

    @Test
    void reportsAnInboundThatCannotBindAndLeavesNothingRunning() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> host.start(mixedOnPort(taken.getLocalPort()), "busy"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("inbound 'local' (inbounds[0]) cannot start");
        }
        connect(host.start(mixedOnPort(0), "free").get("local"));
    }

    @Test
    void reportsWhatAFactoryRejectsWithTheBlocksPath() {
        Config config = ConfigFactory.parseString("outbounds = [ { type = direct, tag = out, connect_timeout = 0s } ]");

        assertThatThrownBy(() -> host.start(config, "bad"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("outbounds[0].connect_timeout: must be between 1ms and 10m");
    }

    private static String get(InetSocketAddress admin, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin.getPort() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }

    @Test
    void servesTheRegistryItsInboundsRecordToOnTheAdminListenerWhileRunning() throws Exception {
        Map<String, InetSocketAddress> bound = host.start(ConfigFactory.parseString("""
                admin { enabled = true, listen = "127.0.0.1", listen_port = 0 }
                """).withFallback(mixedOnPort(0)), "admin");
        connect(bound.get("local"));
        InetSocketAddress admin = host.adminAddress().orElseThrow();

        assertThat(get(admin, "/metrics")).contains("anytls4j_inbound").contains("jvm_memory_used_bytes");
        assertThat(get(admin, "/pool")).isEqualToIgnoringWhitespace("{\"outbounds\":[]}");

        host.stop();

        assertThat(host.adminAddress()).isEmpty();
        assertThatThrownBy(() -> connect(admin)).isInstanceOf(ConnectException.class);
    }

    @Test
    void leavesTheAdminListenerOffByDefault() {
        host.start(mixedOnPort(0), "default");

        assertThat(host.adminAddress()).isEmpty();
    }

    @Test
    void reportsAnAdminListenerThatCannotBindAndLeavesNothingRunning() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Config config = ConfigFactory.parseString("admin { enabled = true, listen_port = %d }"
                    .formatted(taken.getLocalPort())).withFallback(mixedOnPort(0));

            assertThatThrownBy(() -> host.start(config, "busy"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("admin listener cannot start");
        }
        connect(host.start(mixedOnPort(0), "free").get("local"));
    }

    @Test
    void reportsAnAdminListenAddressThatIsNotAnIpLiteralWithItsKey() {
        Config config = ConfigFactory.parseString("admin { enabled = true, listen = localhost }")
                .withFallback(mixedOnPort(0));

        assertThatThrownBy(() -> host.start(config, "bad"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("admin.listen: must be an IPv4 or IPv6 address, was 'localhost'");
    }
}
