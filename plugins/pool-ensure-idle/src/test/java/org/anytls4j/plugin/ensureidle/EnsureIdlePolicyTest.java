package org.anytls4j.plugin.ensureidle;

import static org.anytls4j.core.testing.PoolSnapshots.busy;
import static org.anytls4j.core.testing.PoolSnapshots.failing;
import static org.anytls4j.core.testing.PoolSnapshots.idle;
import static org.anytls4j.core.testing.PoolSnapshots.seconds;
import static org.anytls4j.core.testing.PoolSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.core.testing.PoolConfigs;
import org.junit.jupiter.api.Test;

class EnsureIdlePolicyTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private EnsureIdlePolicy policy(int target, int rate) {
        return new EnsureIdlePolicy("hk", new EnsureIdleSettings(target, rate), Duration.ofSeconds(30), registry);
    }

    @Test
    void guideScenarioTwoIdleTargetFiveCreatesThree() {
        Decision decision = policy(5, 0).evaluate(snapshot(idle(1, 0, 0), idle(2, 0, 0)), seconds(60));
        assertThat(decision.actions()).containsExactly(PoolAction.create(3, "ensure"));
        assertThat(registry.get("anytls4j.pool.ensure.deficit").gauge().value()).isEqualTo(3);
    }

    @Test
    void sessionsBeingCreatedCountTowardTheTarget() {
        assertThat(policy(5, 0).evaluate(snapshot(3, idle(1, 0, 0), idle(2, 0, 0)), 0).actions()).isEmpty();
        assertThat(policy(5, 0).evaluate(snapshot(1, idle(1, 0, 0), idle(2, 0, 0)), 0).actions())
                .containsExactly(PoolAction.create(2, "ensure"));
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
    void backsOffExponentiallyAfterFailuresCappedAtTheCheckInterval() {
        EnsureIdlePolicy policy = policy(5, 0);
        assertThat(policy.backoffNanos(1)).isEqualTo(seconds(1));
        assertThat(policy.backoffNanos(2)).isEqualTo(seconds(2));
        assertThat(policy.backoffNanos(5)).isEqualTo(seconds(16));
        assertThat(policy.backoffNanos(6)).isEqualTo(seconds(30));
        assertThat(policy.backoffNanos(100)).isEqualTo(seconds(30));

        var pool = failing(snapshot(), 3, seconds(10));                    // 3 failures, last at 10 s: wait 4 s
        Decision waiting = policy.evaluate(pool, seconds(12));
        assertThat(waiting.actions()).isEmpty();
        assertThat(waiting.askAgainAtNanos()).isEqualTo(seconds(14));
        assertThat(policy.evaluate(pool, seconds(14)).actions()).containsExactly(PoolAction.create(5, "ensure"));
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
