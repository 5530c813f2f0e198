package org.anytls4j.it.product;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.Stage;
import com.google.inject.util.Modules;
import com.typesafe.config.ConfigFactory;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.anytls4j.core.admin.MeterConventions;
import org.anytls4j.core.inbound.Curl;
import org.anytls4j.core.inject.HostModule;
import org.anytls4j.core.inject.PluginContributionsModule;
import org.anytls4j.core.plugin.PluginHost;
import org.anytls4j.core.plugin.PluginLocation;
import org.anytls4j.core.runtime.BuiltinContributions;
import org.anytls4j.core.runtime.Host;
import org.anytls4j.core.testing.LogCapture;
import org.anytls4j.core.testing.PrometheusText;
import org.anytls4j.distribution.Distribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One registry holding every kind of meter, as one process running an anytls server inbound, a mixed inbound and an
 * anytls client with a pool, min_idle, ensure_idle and heartbeat (plugins from the distribution's {@code plugins/})
 * would: two hosts share it, the client's with the admin listener.
 * After a page went through, {@code /metrics} shows the families of core, the transport's server, the pool and the
 * heartbeat plugin side by side, and Prometheus refused none of them: two meters whose Prometheus names collide
 * (Prometheus strips {@code _total}, {@code _created}, {@code _info} and {@code _bucket}, so
 * {@code x.sessions.total} and {@code x.sessions.created} are both {@code x_sessions}) make Micrometer drop the
 * second with a warning, which this test fails on. {@code /pool} shows the client's sessions.
 */
@Timeout(120)
class MetricsTest {
    private static final String PASSWORD = "metrics-e2e";

    private static String get(InetSocketAddress admin, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + admin.getPort() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }

    /** A host whose registry is {@code shared}: two hosts on one registry are one process as far as meters go. */
    private static Host host(PluginHost plugins, PrometheusMeterRegistry shared) {
        return Guice.createInjector(Stage.PRODUCTION, new PluginContributionsModule(plugins.contributions()),
                Modules.override(new HostModule()).with(new AbstractModule() {
                    @Provides
                    @Singleton
                    PrometheusMeterRegistry registry() {
                        return shared;
                    }
                })).getInstance(Host.class);
    }

    @Test
    void servesEveryModulesMetersFromOneRegistryWithoutANameClash() throws Exception {
        PrometheusMeterRegistry registry = MeterConventions.newRegistry();
        PluginHost plugins = PluginHost.start(PluginLocation.deployment(Distribution.plugins()),
                new BuiltinContributions());
        try (LogCapture micrometer = LogCapture.of("io.micrometer");
             Origins origins = Origins.start();
             Host server = host(plugins, registry);
             Host client = host(plugins, registry)) {
            int serverPort = server.start(ConfigFactory.parseString("""
                    inbounds = [ { type = anytls, tag = anytls-in, listen = "127.0.0.1", listen_port = 0,
                                   users = [ { name = m, password = "%s" } ] } ]
                    """.formatted(PASSWORD)), "server").get("anytls-in").getPort();
            Map<String, InetSocketAddress> bound = client.start(ConfigFactory.parseString("""
                    admin { enabled = true, listen = "127.0.0.1", listen_port = 0 }
                    inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0 } ]
                    outbounds = [ { type = anytls, tag = proxy, server = "127.0.0.1", server_port = %d,
                                    password = "%s", tls { insecure = true }
                                    min_idle_session = 1, ensure_idle_session = 1, heartbeat = 30s } ]
                    """.formatted(serverPort, PASSWORD)), "client");

            Curl.Result result = Curl.run("-x", "socks5h://127.0.0.1:" + bound.get("local").getPort(),
                    "http://127.0.0.1:" + origins.httpPort() + "/metrics-test");
            assertThat(result.exit()).as(result.err()).isZero();
            assertThat(result.out()).isEqualTo(Origins.body("/metrics-test"));

            InetSocketAddress admin = client.adminAddress().orElseThrow();
            assertThat(get(admin, "/metrics"))
                    .contains("anytls4j_inbound_bytes_total{").contains("anytls4j_inbound_connections_total{")
                    .contains("anytls4j_anytls_server_bytes_total{").contains("anytls4j_anytls_server_sessions_open{")
                    .contains("anytls4j_pool_sessions_idle{").contains("anytls4j_pool_sessions_active{")
                    .contains("anytls4j_pool_sessions_live{").contains("anytls4j_pool_sessions_opened_total{")
                    .contains("anytls4j_heartbeat_rtt_seconds")
                    .contains("jvm_memory_used_bytes").contains("netty_allocator_memory_used");
            assertThat(get(admin, "/pool")).contains("\"tag\":\"proxy\"").contains("\"seq\":")
                    .contains("\"server\":\"127.0.0.1:" + serverPort + "\"")
                    .contains("\"min_idle_session\":1,\"ensure_idle_session\":1").contains("\"creating\":")
                    .contains("\"last_read_ms\":");

            // Not TLS: the server's handshake fails, and it closes the connection once it has counted it.
            try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), serverPort)) {
                plain.setSoTimeout(10_000);
                plain.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                while (plain.getInputStream().read() >= 0) {
                    // drain until the server closes
                }
            }
            int closedPort;
            try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closedPort = closed.getLocalPort();
            }
            Curl.Result refused = Curl.run("-x", "socks5h://127.0.0.1:" + bound.get("local").getPort(),
                    "http://127.0.0.1:" + closedPort + "/");
            assertThat(refused.exit()).as(refused.err()).isNotZero();

            String scrape = get(admin, "/metrics");
            assertThat(PrometheusText.violations(scrape)).as(scrape).isEmpty();
            assertThat(scrape).contains("process_cpu_seconds_total").doesNotContain("_ns_total");
            String in = "inbound=\"anytls-in\"";
            assertThat(PrometheusText.value(scrape, "anytls4j_anytls_server_streams_opened_total", in))
                    .isGreaterThanOrEqualTo(2);
            assertThat(PrometheusText.value(scrape, "anytls4j_anytls_server_streams_failed_total", in,
                    "reason=\"connection-refused\"")).isEqualTo(1);
            assertThat(PrometheusText.value(scrape, "anytls4j_anytls_server_streams_failed_total", in,
                    "reason=\"limit\"")).isZero();
            assertThat(PrometheusText.value(scrape, "anytls4j_anytls_server_tls_handshake_failures_total", in,
                    "cause=\"error\"")).isEqualTo(1);
            assertThat(micrometer.linesContaining("registration has failed")).as("meters Prometheus refused")
                    .isEmpty();
        } finally {
            plugins.close();
        }
    }
}
