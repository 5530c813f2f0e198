package org.anytls4j.plugin.minidle;

import static org.anytls4j.testkit.PoolSnapshots.busy;
import static org.anytls4j.testkit.PoolSnapshots.idle;
import static org.anytls4j.testkit.PoolSnapshots.minutes;
import static org.anytls4j.testkit.PoolSnapshots.seconds;
import static org.anytls4j.testkit.PoolSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.testkit.PoolConfigs;
import org.junit.jupiter.api.Test;

class MinIdlePolicyTest {
    private static MinIdlePolicy policy(int minIdle, Duration timeout) {
        return new MinIdlePolicy("hk", new MinIdleSettings(minIdle), timeout.toNanos());
    }

    @Test
    void poolMdSection7ExampleProtectsS7AndLeavesS5AndS3ToTheCleanup() {
        // timeout 30 s, min 2; at 100 s: S9 idle 10 s, S7 idle 50 s, S5 idle 70 s, S3 idle 90 s.
        var pool = snapshot(idle(9, 0, 90), idle(7, 0, 50), idle(5, 0, 30), idle(3, 0, 10));
        var decision = policy(2, Duration.ofSeconds(30)).evaluate(pool, seconds(100));
        assertThat(decision.actions()).containsExactly(PoolAction.resetIdle(7));
    }

    @Test
    void nonExpiredSessionsCountTowardTheMinimum() {
        var pool = snapshot(idle(9, 0, 90), idle(7, 0, 80), idle(5, 0, 0));
        assertThat(policy(2, Duration.ofSeconds(30)).evaluate(pool, seconds(100)).actions()).isEmpty();
    }

    @Test
    void protectsTheNewestExpiredSessionsEvenBehindOlderFreshOnes() {
        // Walk is by seq, not by idle time: S8 (expired) comes before S4 (fresh) and is protected.
        var pool = snapshot(idle(8, 0, 0), idle(4, 0, 95));
        assertThat(policy(1, Duration.ofSeconds(30)).evaluate(pool, seconds(100)).actions())
                .containsExactly(PoolAction.resetIdle(8));
    }

    @Test
    void busySessionsAreNotCounted() {
        var pool = snapshot(busy(10, 0), idle(3, 0, 0));
        assertThat(policy(1, Duration.ofSeconds(30)).evaluate(pool, minutes(5)).actions())
                .containsExactly(PoolAction.resetIdle(3));
    }

    @Test
    void guideScenarioFiveSessionsIdleSixMinutesKeepsTheNewestThree() {
        var pool = snapshot(idle(1, 0, 0), idle(2, 0, 0), idle(3, 0, 0), idle(4, 0, 0), idle(5, 0, 0));
        assertThat(policy(3, Duration.ofMinutes(5)).evaluate(pool, minutes(6)).actions())
                .isEqualTo(List.of(PoolAction.resetIdle(5), PoolAction.resetIdle(4), PoolAction.resetIdle(3)));
    }

    @Test
    void isEnabledByAPositiveMinIdleSession() {
        var factory = new MinIdlePolicyFactory();
        assertThat(factory.enabledBy(PoolConfigs.outbound(""))).isFalse();
        assertThat(factory.enabledBy(PoolConfigs.outbound("min_idle_session = 2"))).isTrue();
        assertThat(factory.order()).isEqualTo(100);
        assertThat(factory.name()).isEqualTo("min_idle");
    }

    @Test
    void defaultIsZeroAndANegativeValueIsRejected() {
        assertThat(MinIdleSettings.from(PoolConfigs.outbound(""))).isEqualTo(new MinIdleSettings(0));
        assertThatThrownBy(() -> MinIdleSettings.from(ConfigFactory.parseString("min_idle_session = -1")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("min_idle_session: must be >= 0, was -1");
    }
}
