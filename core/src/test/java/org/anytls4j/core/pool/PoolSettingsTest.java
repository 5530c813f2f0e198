package org.anytls4j.core.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.testkit.PoolConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PoolSettingsTest {
    @Test
    void defaultsAreThoseOfTheReferenceClients() {
        PoolSettings settings = PoolSettings.from("hk", PoolConfigs.outbound(""));
        assertThat(settings).isEqualTo(new PoolSettings(Duration.ofSeconds(30), Duration.ofSeconds(30), 1,
                java.util.List.of()));
    }

    @Test
    void readsSingBoxJsonDurationStrings() {
        PoolSettings settings = PoolSettings.from("hk", PoolConfigs.withDefaults(ConfigFactory.parseString(
                "{\"idle_session_check_interval\": \"1m\", \"idle_session_timeout\": \"5m\", "
                        + "\"max_streams_per_session\": 4, \"pool_policies\": [\"x\"]}")));
        assertThat(settings).isEqualTo(new PoolSettings(Duration.ofMinutes(1), Duration.ofMinutes(5), 4,
                java.util.List.of("x")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"0\"", "0", "0s", "\"5s\"", "1s", "5000ms"})
    void anIntervalOrTimeoutOfAtMostFiveSecondsBecomesThirtySeconds(String value) {
        PoolSettings settings = PoolSettings.from("hk", PoolConfigs.outbound(
                "idle_session_check_interval = " + value + "\nidle_session_timeout = " + value));
        assertThat(settings.checkInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void sixSecondsIsAccepted() {
        PoolSettings settings = PoolSettings.from("hk", PoolConfigs.outbound(
                "idle_session_check_interval = 6s, idle_session_timeout = 6s"));
        assertThat(settings.checkInterval()).isEqualTo(Duration.ofSeconds(6));
        assertThat(settings.idleTimeout()).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void aNegativeDurationIsRejectedNamingTheKeyAndLine() {
        assertThatThrownBy(() -> PoolSettings.from("hk", PoolConfigs.outbound("idle_session_timeout = -1s")))
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                    assertThat(e.key()).isEqualTo("idle_session_timeout");
                    assertThat(e.problem()).isEqualTo("must be >= 0, was -1s");
                    assertThat(e.origin().lineNumber()).isEqualTo(1);
                });
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65536})
    void maxStreamsPerSessionOutOfRangeIsRejected(int value) {
        assertThatThrownBy(() -> PoolSettings.from("hk", PoolConfigs.outbound("max_streams_per_session = " + value)))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("max_streams_per_session: must be in 1..65535, was " + value);
    }

    @Test
    void sessionCreateConcurrencyDefaultsToSixtyFourAndZeroMeansNoLimit() {
        assertThat(PoolSettings.from("hk", PoolConfigs.outbound("")).createConcurrency()).isEqualTo(64);
        assertThat(PoolSettings.from("hk", PoolConfigs.outbound("session_create_concurrency = 0"))
                .createConcurrency()).isZero();
        assertThatThrownBy(() -> PoolSettings.from("hk", PoolConfigs.outbound("session_create_concurrency = -1")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageStartingWith("session_create_concurrency: must be");
    }
}
