package org.anytls4j.plugin.lifetime;

import static org.anytls4j.testkit.PoolSnapshots.busy;
import static org.anytls4j.testkit.PoolSnapshots.idle;
import static org.anytls4j.testkit.PoolSnapshots.minutes;
import static org.anytls4j.testkit.PoolSnapshots.seconds;
import static org.anytls4j.testkit.PoolSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.testkit.PoolConfigs;
import org.junit.jupiter.api.Test;

class LifetimePolicyTest {
    private static LifetimePolicy policy(Duration max, Duration jitter, int minForAge) {
        return new LifetimePolicy("hk", new LifetimeSettings(max, jitter, minForAge), new SplittableRandom(7));
    }

    @Test
    void poolMdSection86FiveIdleThreeExpiredKeepFourClosesOnlyTheOldestExpired() {
        LifetimePolicy policy = policy(Duration.ofMinutes(60), Duration.ZERO, 4);
        // created at 0, 60, 120 s (expired at 3610 s); 3000, 3500 s (not expired)
        var pool = snapshot(idle(1, 0, 3600), idle(2, 60, 3600), idle(3, 120, 3600), idle(4, 3000, 3600),
                idle(5, 3500, 3600));
        Decision decision = policy.evaluate(pool, seconds(3610));
        assertThat(decision.actions()).containsExactly(
                PoolAction.close(1, CloseReason.MAX_AGE, "age=1h0m10s maxLife=1h0m0s"));
    }

    @Test
    void closesEveryExpiredIdleSessionOldestFirstWhenTheMinimumAllows() {
        LifetimePolicy policy = policy(Duration.ofMinutes(60), Duration.ZERO, 1);
        var pool = snapshot(idle(3, 120, 3600), idle(1, 0, 3600), idle(2, 60, 3600));
        assertThat(policy.evaluate(pool, seconds(3800)).actions()).extracting(a -> ((PoolAction.Close) a).seq())
                .containsExactly(1L, 2L);
    }

    @Test
    void skipsWhenTheMinimumLeavesNothingToClose() {
        LifetimePolicy policy = policy(Duration.ofMinutes(60), Duration.ZERO, 2);
        var pool = snapshot(idle(1, 0, 3600), idle(2, 60, 3600));
        assertThat(policy.evaluate(pool, minutes(120)).actions()).isEmpty();
    }

    @Test
    void busySessionsAreNeverClosedButAreNotHandedOutOnceExpired() {
        LifetimePolicy policy = policy(Duration.ofMinutes(60), Duration.ZERO, 0);
        var pool = snapshot(busy(1, 0));
        assertThat(policy.evaluate(pool, minutes(61)).actions()).isEmpty();
        assertThat(policy.mayHandOut(idle(1, 0, 3650), minutes(61))).isFalse();
        assertThat(policy.mayHandOut(idle(1, 0, 3000), minutes(59))).isTrue();
    }

    @Test
    void asksAgainWhenTheNextSessionExpires() {
        LifetimePolicy policy = policy(Duration.ofMinutes(60), Duration.ZERO, 0);
        var pool = snapshot(idle(1, 100, 100), busy(2, 50));
        assertThat(policy.evaluate(pool, seconds(200)).askAgainAtNanos()).isEqualTo(seconds(3650));
    }

    @Test
    void jitterIsDrawnUniformlyInPlusMinusJAndFlooredAtOneSecond() {
        LifetimePolicy policy = policy(Duration.ofHours(1), Duration.ofMinutes(10), 0);
        LongSummaryStatistics lifetimes = LongStream.rangeClosed(1, 5000).map(policy::lifetimeNanos)
                .summaryStatistics();
        assertThat(lifetimes.getMin()).isBetween(minutes(50), minutes(51));
        assertThat(lifetimes.getMax()).isBetween(minutes(69), minutes(70));
        assertThat(lifetimes.getAverage()).isBetween((double) minutes(59), (double) minutes(61));
        assertThat(policy.lifetimeNanos(17)).as("drawn once per session").isEqualTo(policy.lifetimeNanos(17));

        LifetimePolicy floored = policy(Duration.ofSeconds(2), Duration.ofSeconds(10), 0);
        List<Long> short_ = LongStream.rangeClosed(1, 200).map(floored::lifetimeNanos).boxed().toList();
        assertThat(short_).allSatisfy(l -> assertThat(l).isBetween(seconds(1), seconds(12)));
        assertThat(short_).contains(seconds(1));
    }

    @Test
    void settingsDefaultsEnablingAndRanges() {
        var factory = new LifetimePolicyFactory();
        assertThat(LifetimeSettings.from(PoolConfigs.outbound("")))
                .isEqualTo(new LifetimeSettings(Duration.ZERO, Duration.ZERO, 0));
        assertThat(factory.enabledBy(PoolConfigs.outbound(""))).isFalse();
        assertThat(factory.enabledBy(PoolConfigs.outbound("{\"max_connection_lifetime\": \"1h\"}"))).isTrue();
        assertThat(factory.order()).isEqualTo(300);
        assertThatThrownBy(() -> LifetimeSettings.from(PoolConfigs.outbound("min_idle_session_for_age = -2")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("min_idle_session_for_age: must be >= 0, was -2");
        assertThatThrownBy(() -> LifetimeSettings.from(PoolConfigs.outbound("connection_lifetime_jitter = -1m")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("connection_lifetime_jitter: must be >= 0, was -1m0s");
    }
}
