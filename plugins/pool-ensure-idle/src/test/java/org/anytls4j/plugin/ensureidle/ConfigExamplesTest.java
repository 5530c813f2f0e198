package org.anytls4j.plugin.ensureidle;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.anytls4j.core.testing.PoolHarness;
import org.anytls4j.plugin.heartbeat.HeartbeatMonitorFactory;
import org.anytls4j.plugin.heartbeat.HeartbeatSettings;
import org.anytls4j.plugin.minidle.MinIdlePolicyFactory;
import org.anytls4j.plugin.minidle.MinIdleSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The guide's five configuration profiles, shipped as {@code distribution/src/conf/examples/*.conf}: each file
 * parses, its outbound yields the guide's pool settings, and a pool built from it runs the guide's policies.
 */
class ConfigExamplesTest {
    private static final Path EXAMPLES = Path.of("..", "..", "distribution", "src", "conf", "examples");

    static Stream<Arguments> profiles() {
        return Stream.of(
                Arguments.of("balanced", Duration.ofSeconds(30), Duration.ofMinutes(5), 2, 5, Duration.ofSeconds(30)),
                Arguments.of("high-performance", Duration.ofSeconds(30), Duration.ofMinutes(10), 3, 5,
                        Duration.ofSeconds(20)),
                Arguments.of("mobile", Duration.ofSeconds(30), Duration.ofMinutes(5), 2, 3, Duration.ofSeconds(10)),
                Arguments.of("high-availability", Duration.ofMinutes(1), Duration.ofMinutes(15), 5, 10,
                        Duration.ofSeconds(30)),
                Arguments.of("iot", Duration.ofMinutes(1), Duration.ofMinutes(2), 1, 1, Duration.ofSeconds(45)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void eachProfileYieldsTheGuidesPoolSettingsAndFillsItsPoolAtStart(String name, Duration interval,
                                                                     Duration timeout, int minIdle, int ensure,
                                                                     Duration heartbeat) throws Exception {
        Path file = EXAMPLES.resolve(name + ".conf");
        assertThat(file).exists();
        Config config = ConfigFactory.parseString(Files.readString(file),
                ConfigParseOptions.defaults().setOriginDescription(file.toString())).resolve();
        List<? extends Config> outbounds = config.getConfigList("outbounds");
        assertThat(outbounds).hasSize(1);
        Config outbound = outbounds.get(0);
        assertThat(outbound.getString("type")).isEqualTo("anytls");
        Config inbound = config.getConfigList("inbounds").get(0);
        assertThat(inbound.getString("type")).isEqualTo("mixed");
        assertThat(inbound.getString("listen")).isEqualTo("127.0.0.1");
        assertThat(inbound.getInt("listen_port")).isEqualTo(1080);

        try (PoolHarness h = PoolHarness.of(outbound, List.of(new MinIdlePolicyFactory(), new EnsureIdlePolicyFactory()),
                List.of(new HeartbeatMonitorFactory()))) {
            assertThat(h.pool.settings().checkInterval()).isEqualTo(interval);
            assertThat(h.pool.settings().idleTimeout()).isEqualTo(timeout);
            Config merged = org.anytls4j.testkit.PoolConfigs.withDefaults(outbound);
            assertThat(MinIdleSettings.from(merged).minIdleSession()).isEqualTo(minIdle);
            assertThat(EnsureIdleSettings.from(merged).ensureIdleSession()).isEqualTo(ensure);
            assertThat(HeartbeatSettings.from(merged).interval()).isEqualTo(heartbeat);
            assertThat(h.pool.policyNames()).containsExactly("min_idle", "idle_cleanup", "ensure_idle");
            assertThat(h.pool.monitorNames()).containsExactly("heartbeat");

            h.connector.customize(s -> s.heartbeat().autoAnswer(Duration.ofMillis(30)));
            h.start();
            assertThat(h.idleSeqs()).hasSize(ensure);
            h.advance(heartbeat.multipliedBy(6).dividedBy(5));
            assertThat(h.connector.sessions()).allSatisfy(s -> assertThat(s.heartbeat().pings()).isEqualTo(1));
        }
    }
}
