package org.anytls4j.core.pool;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PolicyContext;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.api.pool.PooledSession;

/** A policy (and its factory) whose decisions a test scripts, recording every snapshot and time it was shown. */
final class ScriptedPolicy implements PoolPolicy, PoolPolicyFactory {
    final String name;
    final int order;
    final boolean enabled;
    final List<PoolSnapshot> seen = new ArrayList<>();
    final List<Long> evaluatedAt = new ArrayList<>();
    BiFunction<PoolSnapshot, Long, Decision> decide = (pool, now) -> Decision.nothing();
    BiPredicate<PooledSession, Long> handOut = (session, now) -> true;
    boolean closed;
    PolicyContext context;

    ScriptedPolicy(String name, int order, boolean enabled) {
        this.name = name;
        this.order = order;
        this.enabled = enabled;
    }

    ScriptedPolicy deciding(BiFunction<PoolSnapshot, Long, Decision> decide) {
        this.decide = decide;
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int order() {
        return order;
    }

    @Override
    public boolean enabledBy(Config settings) {
        return enabled;
    }

    @Override
    public PoolPolicy create(Config settings, PolicyContext context) {
        this.context = context;
        return this;
    }

    @Override
    public Decision evaluate(PoolSnapshot pool, long nowNanos) {
        seen.add(pool);
        evaluatedAt.add(nowNanos);
        return decide.apply(pool, nowNanos);
    }

    @Override
    public boolean mayHandOut(PooledSession session, long nowNanos) {
        return handOut.test(session, nowNanos);
    }

    @Override
    public void close() {
        closed = true;
    }
}
