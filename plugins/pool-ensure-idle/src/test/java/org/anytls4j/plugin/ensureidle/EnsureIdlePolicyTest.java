package org.anytls4j.plugin.ensureidle;

import static org.anytls4j.testkit.PoolSnapshots.busy;
import static org.anytls4j.testkit.PoolSnapshots.failing;
import static org.anytls4j.testkit.PoolSnapshots.idle;
import static org.anytls4j.testkit.PoolSnapshots.seconds;
import static org.anytls4j.testkit.PoolSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.testkit.FakeMetrics;
import org.anytls4j.testkit.PoolConfigs;
import org.junit.jupiter.api.Test;

class EnsureIdlePolicyTest {
    private final FakeMetrics metrics = new FakeMetrics();

    private PoolSnapshot current;

    private EnsureIdlePolicy policy(int target, int rate) {
        return new EnsureIdlePolicy("hk", new EnsureIdleSettings(target, rate), metrics,
                () -> Optional.ofNullable(current));
    }

    private double deficit() {
        return metrics.findGauge("anytls4j.pool.ensure.deficit", "outbound", "hk").orElseThrow().value();
    }

    /** {@code pool} with these creations in flight by reason and creations allowed from {@code allowedAt}. */
    private static PoolSnapshot with(PoolSnapshot pool, Map<String, Integer> creating, int failures, long allowedAt) {
        PoolSnapshot.Builder builder = pool.toBuilder()
                .failures(failures, 0, failures > 0 ? "connection refused" : "").createAllowedAtNanos(allowedAt);
        creating.forEach(builder::creating);
        return builder.build();
    }

    @Test
    void guideScenarioTwoIdleTargetFiveCreatesThree() {
        Decision decision = policy(5, 0).evaluate(snapshot(idle(1, 0, 0), idle(2, 0, 0)), seconds(60));
        assertThat(decision.actions()).containsExactly(PoolAction.create(3, "ensure"));
        assertThat(deficit()).isEqualTo(3);
    }

    @Test
    void itsOwnCreationsInFlightCountTowardTheTargetButOnDemandConnectsDoNot() {
        PoolSnapshot twoIdle = snapshot(idle(1, 0, 0), idle(2, 0, 0));
        assertThat(policy(5, 0).evaluate(with(twoIdle, Map.of("ensure", 3), 0, Long.MIN_VALUE), 0).actions())
                .isEmpty();
        assertThat(policy(5, 0).evaluate(with(twoIdle, Map.of("ensure", 1), 0, Long.MIN_VALUE), 0).actions())
                .containsExactly(PoolAction.create(2, "ensure"));
        // A burst of streams: three on-demand connects in flight will carry streams, not sit idle.
        assertThat(policy(5, 0).evaluate(with(twoIdle, Map.of("demand", 3), 0, Long.MIN_VALUE), 0).actions())
                .containsExactly(PoolAction.create(3, "ensure"));
    }

    @Test
    void theDeficitGaugeIsCurrentNotThatOfTheLastRun() {
        EnsureIdlePolicy policy = policy(5, 0);
        policy.evaluate(snapshot(), 0);
        current = snapshot(idle(1, 0, 0), idle(2, 0, 0), idle(3, 0, 0), idle(4, 0, 0));
        assertThat(deficit()).isEqualTo(1);
        current = snapshot(busy(1, 0));
        assertThat(deficit()).isEqualTo(5);
    }

    @Test
    void busySessionsDoNotCount() {
        assertThat(policy(2, 0).evaluate(snapshot(busy(1, 0), busy(2, 0)), 0).actions())
                .containsExactly(PoolAction.create(2, "ensure"));
    }

    @Test
    void theRateCapsCreationsPerRun() {
        assertThat(policy(10, 3).evaluate(snapshot(), 0).actions()).containsExactly(PoolAction.create(3, "ensure"));
        assertThat(policy(10, 3).evaluate(snapshot(idle(1, 0, 0), idle(2, 0, 0), idle(3, 0, 0), idle(4, 0, 0),
                idle(5, 0, 0), idle(6, 0, 0), idle(7, 0, 0), idle(8, 0, 0), idle(9, 0, 0)), 0).actions())
                .containsExactly(PoolAction.create(1, "ensure"));
    }

    @Test
    void waitsWhileThePoolBacksOffThenAsksForOneProbeAtATime() {
        EnsureIdlePolicy policy = policy(5, 0);
        PoolSnapshot backingOff = with(snapshot(), Map.of(), 3, seconds(14));   // 3 failures, next creation at 14 s
        Decision waiting = policy.evaluate(backingOff, seconds(12));
        assertThat(waiting.actions()).isEmpty();
        assertThat(waiting.askAgainAtNanos()).isEqualTo(seconds(14));
        assertThat(policy.evaluate(backingOff, seconds(14)).actions()).containsExactly(PoolAction.create(1, "ensure"));
        assertThat(policy.evaluate(failing(snapshot(), 0, 0), seconds(14)).actions())
                .containsExactly(PoolAction.create(5, "ensure"));
    }

    @Test
    void settingsDefaultsEnablingAndRanges() {
        var factory = new EnsureIdlePolicyFactory();
        assertThat(EnsureIdleSettings.from(PoolConfigs.outbound(""))).isEqualTo(new EnsureIdleSettings(0, 0));
        assertThat(factory.enabledBy(PoolConfigs.outbound(""))).isFalse();
        assertThat(factory.enabledBy(PoolConfigs.outbound("ensure_idle_session = 1"))).isTrue();
        assertThat(factory.order()).isEqualTo(400);
        assertThatThrownBy(() -> EnsureIdleSettings.from(PoolConfigs.outbound("ensure_idle_session_create_rate = -1")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("ensure_idle_session_create_rate: must be >= 0, was -1");
    }
}
