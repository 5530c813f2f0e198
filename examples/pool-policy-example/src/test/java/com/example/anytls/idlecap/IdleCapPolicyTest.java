package com.example.anytls.idlecap;

import static org.anytls4j.testkit.PoolSnapshots.busy;
import static org.anytls4j.testkit.PoolSnapshots.idle;
import static org.anytls4j.testkit.PoolSnapshots.seconds;
import static org.anytls4j.testkit.PoolSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.testkit.FakePolicyContext;
import org.anytls4j.testkit.PoolConfigs;
import org.junit.jupiter.api.Test;

/**
 * The policy as the host runs it: created by its factory from an outbound block with the plugin's
 * {@code reference.conf} defaults applied ({@link PoolConfigs}), then evaluated against snapshots built with
 * {@link org.anytls4j.testkit.PoolSnapshots}.
 */
class IdleCapPolicyTest {
    private final FakePolicyContext context = FakePolicyContext.create("pool-idle-cap");

    private PoolPolicy policy(String outboundKeys) {
        return new IdleCapPolicyFactory().create(PoolConfigs.outbound(outboundKeys), context);
    }

    @Test
    void closesTheOldestIdleSessionsBeyondTheCap() {
        var pool = snapshot(idle(9, 0, 50), idle(7, 0, 40), idle(5, 0, 30), idle(3, 0, 20));

        var decision = policy("idle_session_cap = 2").evaluate(pool, seconds(60));

        assertThat(decision.actions()).containsExactly(
                PoolAction.close(5, IdleCapPolicy.IDLE_CAP, "idle_session_cap=2"),
                PoolAction.close(3, IdleCapPolicy.IDLE_CAP, "idle_session_cap=2"));
    }

    @Test
    void leavesAPoolAtOrBelowTheCapAndNeverCountsBusySessions() {
        var pool = snapshot(busy(11, 0), busy(10, 0), idle(9, 0, 50), idle(7, 0, 40));

        assertThat(policy("idle_session_cap = 2").evaluate(pool, seconds(60)).actions()).isEmpty();
    }

    @Test
    void zeroClosesEveryIdleSession() {
        var pool = snapshot(busy(4, 0), idle(3, 0, 10));

        assertThat(policy("idle_session_cap = 0").evaluate(pool, seconds(60)).actions())
                .containsExactly(PoolAction.close(3, IdleCapPolicy.IDLE_CAP, "idle_session_cap=0"));
    }

    @Test
    void theDefaultCapComesFromTheReferenceConf() {
        var pool = snapshot(idle(9, 0, 1), idle(8, 0, 1), idle(7, 0, 1), idle(6, 0, 1), idle(5, 0, 1),
                idle(4, 0, 1), idle(3, 0, 1), idle(2, 0, 1), idle(1, 0, 1));

        assertThat(policy("").evaluate(pool, seconds(60)).actions())
                .containsExactly(PoolAction.close(1, IdleCapPolicy.IDLE_CAP, "idle_session_cap=8"));
    }

    @Test
    void aNegativeCapIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> policy("idle_session_cap = -1"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("idle_session_cap: must be >= 0, was -1");
    }

    @Test
    void runsOnlyWhereAnOutboundNamesItAfterTheLifetimePolicy() {
        var factory = new IdleCapPolicyFactory();

        assertThat(factory.name()).isEqualTo("idle_cap");
        assertThat(factory.enabledBy(PoolConfigs.outbound("idle_session_cap = 1"))).isFalse();
        assertThat(factory.order()).isBetween(IdleCapPolicyFactory.ORDER_LIFETIME, IdleCapPolicyFactory.ORDER_ENSURE);
    }
}
