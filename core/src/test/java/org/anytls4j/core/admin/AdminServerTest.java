package org.anytls4j.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.core.inbound.InboundMetrics;
import org.anytls4j.core.inbound.TestNetty;
import org.anytls4j.core.relay.LeakCheck;
import org.anytls4j.core.testing.PrometheusText;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminServerTest {
    private TestNetty netty;
    private PrometheusMeterRegistry registry;
    private AdminServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Config adminBlock(String overrides) {
        return ConfigFactory.parseString(overrides)
                .withFallback(ConfigFactory.parseResources("anytls4j-admin.conf").getConfig("admin"));
    }

    private static PoolView view(String tag, List<SessionInfo> sessions) {
        return view(tag, sessions, null);
    }

    private static PoolView view(String tag, List<SessionInfo> sessions, CreationInfo creation) {
        return new PoolView() {
            @Override
            public String outboundTag() {
                return tag;
            }

            @Override
            public CompletionStage<List<SessionInfo>> sessions() {
                return CompletableFuture.completedFuture(sessions);
            }

            @Override
            public CompletionStage<Optional<CreationInfo>> creation() {
                return CompletableFuture.completedFuture(Optional.ofNullable(creation));
            }
        };
    }

    @BeforeEach
    void start() {
        netty = new TestNetty();
        registry = MeterConventions.newRegistry();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        netty.close();
        registry.close();
    }

    private int startServer(List<PoolView> pools) throws Exception {
        server = AdminServer.create(AdminSettings.parse(adminBlock("enabled = true, listen_port = 0")), registry,
                netty, pools).orElseThrow();
        return server.start().toCompletableFuture().get(10, TimeUnit.SECONDS).getPort();
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A connection that sends half a request, or nothing, is closed after {@link AdminServer#IDLE}. */
    @Test
    void closesAConnectionThatReadsNothingForTheIdleTime() {
        io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel();
        ch.freezeTime();
        AdminServer.initConnection(ch, new AdminHandler(registry, List.of()));
        ch.writeInbound(io.netty.buffer.Unpooled.copiedBuffer("GET /metr", java.nio.charset.StandardCharsets.US_ASCII));

        ch.advanceTimeBy(AdminServer.IDLE.toSeconds() - 1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(2, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();

        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void isOffByDefault() {
        AdminSettings defaults = AdminSettings.parse(adminBlock(""));
        assertThat(defaults).isEqualTo(new AdminSettings(false, "127.0.0.1", 9090));
        assertThat(AdminServer.create(defaults, registry, netty, List.of())).isEmpty();
    }

    @Test
    void rejectsAHostNameAsListenAddressNamingTheKey() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AdminSettings.parse(adminBlock("listen = localhost")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("listen: must be an IPv4 or IPv6 address, was 'localhost'");
    }

    @Test
    void metricsServesPrometheusTextWithInboundJvmAndAllocatorMeters() throws Exception {
        InboundMetrics inbound = new InboundMetrics(registry, "local", "mixed");
        inbound.upload("hk").increment(1234);
        int port = startServer(List.of());
        HttpResponse<String> response = get(port, "/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue(AdminHandler.PROMETHEUS_TEXT);
        assertThat(response.body())
                .contains("anytls4j_inbound_bytes_total{direction=\"upload\",inbound=\"local\",outbound=\"hk\","
                        + "type=\"mixed\"} 1234.0")
                .contains("anytls4j_inbound_connections_total{inbound=\"local\",type=\"mixed\"} 0.0")
                .contains("jvm_memory_used_bytes")
                .contains("netty_allocator_memory_used");
    }

    @Test
    void metricsFollowPrometheusConventionsHelpOnEveryFamilyBaseUnitsAndNoIdLabel() throws Exception {
        new InboundMetrics(registry, "local", "mixed").upload("hk").increment(10);
        int port = startServer(List.of());
        String scrape = get(port, "/metrics").body();
        assertThat(PrometheusText.violations(scrape)).as(scrape).isEmpty();
        assertThat(scrape).contains("# TYPE process_cpu_seconds_total counter")
                .doesNotContain("process_cpu_time_ns_total");
        assertThat(PrometheusText.value(scrape, "process_cpu_seconds_total")).isPositive();
        assertThat(scrape).contains("netty_allocator_memory_used_bytes{allocator_type=\"UnpooledByteBufAllocator\"");
    }

    @Test
    void theAllocatorMetersAreThoseOfTheAllocatorNettyUsesAndOfUnpooledBuffers() throws Exception {
        int port = startServer(List.of());
        String scrape = get(port, "/metrics").body();
        String inUse = io.netty.buffer.ByteBufAllocator.DEFAULT.getClass().getSimpleName();
        assertThat(scrape).contains("netty_allocator_memory_used_bytes{allocator_type=\"" + inUse + "\"")
                .contains("netty_allocator_memory_used_bytes{allocator_type=\"UnpooledByteBufAllocator\"");
        if (!(io.netty.buffer.ByteBufAllocator.DEFAULT instanceof io.netty.buffer.PooledByteBufAllocator)) {
            assertThat(scrape).as("a pool nobody allocates from is not reported")
                    .doesNotContain("allocator_type=\"PooledByteBufAllocator\"");
        }
    }

    @Test
    void poolServesJsonOfEverySessionOfEveryView() throws Exception {
        int port = startServer(List.of(
                view("hk", List.of(
                        new SessionInfo(1, Duration.ofSeconds(90), Duration.ofSeconds(12), 0, "min_idle", "close",
                                Duration.ofSeconds(18)),
                        new SessionInfo(2, Duration.ofSeconds(5), null, 3, null, null, null))),
                view("jp \"east\"", List.of(), new CreationInfo(5, Duration.ofSeconds(12), Duration.ofMillis(3500),
                        "server closed the session right after authentication"))));
        HttpResponse<String> response = get(port, "/pool");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        Config json = ConfigFactory.parseString(response.body(),
                ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
        List<? extends Config> outbounds = json.getConfigList("outbounds");
        assertThat(outbounds).hasSize(2);
        assertThat(outbounds.get(0).getString("tag")).isEqualTo("hk");
        List<? extends Config> sessions = outbounds.get(0).getConfigList("sessions");
        assertThat(sessions.get(0).getLong("seq")).isEqualTo(1);
        assertThat(sessions.get(0).getLong("age_ms")).isEqualTo(90_000);
        assertThat(sessions.get(0).getLong("idle_ms")).isEqualTo(12_000);
        assertThat(sessions.get(0).getString("held_by")).isEqualTo("min_idle");
        assertThat(sessions.get(0).getString("next_action")).isEqualTo("close");
        assertThat(sessions.get(0).getLong("next_action_in_ms")).isEqualTo(18_000);
        assertThat(sessions.get(1).getInt("streams")).isEqualTo(3);
        assertThat(sessions.get(1).getIsNull("idle_ms")).isTrue();
        assertThat(sessions.get(1).getIsNull("held_by")).isTrue();
        assertThat(outbounds.get(1).getString("tag")).isEqualTo("jp \"east\"");
        assertThat(outbounds.get(1).getConfigList("sessions")).isEmpty();
        assertThat(outbounds.get(0).getIsNull("creation")).isTrue();
        Config creation = outbounds.get(1).getConfig("creation");
        assertThat(creation.getInt("failures_in_a_row")).isEqualTo(5);
        assertThat(creation.getLong("backoff_ms")).isEqualTo(12_000);
        assertThat(creation.getLong("next_attempt_in_ms")).isEqualTo(3_500);
        assertThat(creation.getString("last_failure")).isEqualTo("server closed the session right after authentication");
    }

    @Test
    void poolSummarisesEachOutboundAndShowsEachSessionsHeartbeatState() throws Exception {
        PoolView hk = new PoolView() {
            @Override
            public String outboundTag() {
                return "hk";
            }

            @Override
            public CompletionStage<List<SessionInfo>> sessions() {
                return CompletableFuture.completedFuture(List.of(
                        new SessionInfo(1, Duration.ofSeconds(90), Duration.ofSeconds(12), 0, null, "IDLE_TIMEOUT",
                                Duration.ofSeconds(18), Duration.ofMillis(2500),
                                Heartbeat.Observation.of(12_345_678, 1, 2)),
                        new SessionInfo(2, Duration.ofSeconds(5), null, 3, null, null, null, Duration.ZERO, null)));
            }

            @Override
            public CompletionStage<Optional<CreationInfo>> creation() {
                return CompletableFuture.completedFuture(Optional.of(new CreationInfo(3, Duration.ofSeconds(4),
                        Duration.ofSeconds(2), "connect to hk.example.com/192.0.2.1:443 failed")));
            }

            @Override
            public CompletionStage<OptionalInt> creating() {
                return CompletableFuture.completedFuture(OptionalInt.of(1));
            }
        };
        int port = startServer(List.of(PoolView.configuredBy(hk, ConfigFactory.parseString(
                "server = \"::1\", server_port = 8443, min_idle_session = 1, ensure_idle_session = 2"))));

        Instant before = Instant.now();
        Config json = ConfigFactory.parseString(get(port, "/pool").body(),
                ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));

        Config outbound = json.getConfigList("outbounds").get(0);
        assertThat(outbound.getString("server")).isEqualTo("[::1]:8443");
        assertThat(outbound.getInt("min_idle_session")).isEqualTo(1);
        assertThat(outbound.getInt("ensure_idle_session")).isEqualTo(2);
        assertThat(outbound.getInt("idle")).isEqualTo(1);
        assertThat(outbound.getInt("busy")).isEqualTo(1);
        assertThat(outbound.getInt("creating")).isEqualTo(1);
        assertThat(outbound.getBoolean("backing_off")).isTrue();
        Config creation = outbound.getConfig("creation");
        assertThat(creation.getInt("failures_in_a_row")).isEqualTo(3);
        assertThat(creation.getString("last_failure")).isEqualTo("connect to hk.example.com:443 failed");
        assertThat(Instant.parse(creation.getString("next_attempt_at")))
                .isBetween(before.plusSeconds(2).minusMillis(1), Instant.now().plusSeconds(2));
        List<? extends Config> sessions = outbound.getConfigList("sessions");
        assertThat(sessions.get(0).getLong("last_read_ms")).isEqualTo(2500);
        assertThat(sessions.get(0).getDouble("heartbeat.last_rtt_ms")).isEqualTo(12.346);
        assertThat(sessions.get(0).getInt("heartbeat.misses_in_a_row")).isEqualTo(1);
        assertThat(sessions.get(0).getInt("heartbeat.max_missed")).isEqualTo(2);
        assertThat(sessions.get(1).getIsNull("heartbeat")).isTrue();
        assertThat(sessions.get(1).getLong("last_read_ms")).isZero();
    }

    @Test
    void unknownPathIs404AndPostIs405() throws Exception {
        int port = startServer(List.of());
        assertThat(get(port, "/nope").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/metrics")).POST(HttpRequest.BodyPublishers.ofString("x")).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }
}
