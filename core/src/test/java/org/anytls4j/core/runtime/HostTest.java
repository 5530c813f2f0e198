package org.anytls4j.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
                new SimpleMeterRegistry(), Ticker.SYSTEM);
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
}
