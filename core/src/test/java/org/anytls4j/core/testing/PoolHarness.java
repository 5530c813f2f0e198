package org.anytls4j.core.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.RequiredSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.Destination;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.anytls4j.api.pool.PooledSession;
import org.anytls4j.core.pool.PoolEnvironment;
import org.anytls4j.core.pool.SessionPool;
import org.anytls4j.core.runtime.DefaultPluginContext;
import org.anytls4j.testkit.FakeConnector;
import org.anytls4j.testkit.FakeTicker;
import org.anytls4j.testkit.ManualScheduler;
import org.anytls4j.testkit.PoolConfigs;

/**
 * A real {@link SessionPool} wired to fakes: a {@link FakeTicker} starting at 0, one {@link ManualScheduler} for the
 * pool and every session's event loop, a {@link FakeConnector}, a {@link SimpleMeterRegistry} and a random source
 * seeded with 42. Outbound tag {@code hk}. The settings block gets every default on the class path
 * ({@link PoolConfigs}), as the host does.
 *
 * <p>Needs core's main classes on the class path (plugins add {@code anytls4j-core} as a test dependency).
 *
 * <h2>Threading</h2>
 * One test thread drives everything; nothing runs unless the test advances time.
 */
public final class PoolHarness implements AutoCloseable {
    public static final Destination DESTINATION = new Destination("example.com", 443);

    public final FakeTicker ticker = new FakeTicker();
    public final ManualScheduler scheduler = new ManualScheduler(ticker);
    public final FakeConnector connector = new FakeConnector(ticker, scheduler);
    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    public final SessionPool pool;

    private PoolHarness(Config block, Collection<PoolPolicyFactory> policies,
                        Collection<SessionMonitorFactory> monitors, Executor policyExecutor) {
        Config settings = PoolConfigs.withDefaults(block);
        PoolEnvironment env = new PoolEnvironment(ticker, scheduler, registry, () -> new SplittableRandom(42),
                factory -> new DefaultPluginContext(factory.getClass().getSimpleName(), ConfigFactory.empty(), ticker,
                        scheduler, registry),
                policyExecutor);
        this.pool = SessionPool.create("hk", settings, connector, policies, monitors, env);
    }

    /**
     * A pool whose maintenance runs and policy calls run on {@code policyExecutor} (a real thread pool, for tests of
     * policies that block or overrun their budget, and of several threads at once); not started. The other
     * factories run policies inline on the thread that advances time.
     */
    public static PoolHarness of(String hocon, Collection<PoolPolicyFactory> policies,
                                 Collection<SessionMonitorFactory> monitors, Executor policyExecutor) {
        return new PoolHarness(ConfigFactory.parseString(hocon), policies, monitors, policyExecutor);
    }

    /** A pool over {@code hocon} (an outbound block) with these installed policies and monitors; not started. */
    public static PoolHarness of(String hocon, Collection<PoolPolicyFactory> policies,
                                 Collection<SessionMonitorFactory> monitors) {
        return new PoolHarness(ConfigFactory.parseString(hocon), policies, monitors, Runnable::run);
    }

    /** A pool over an outbound block (e.g. one read from a configuration file); not started. */
    public static PoolHarness of(Config block, Collection<PoolPolicyFactory> policies,
                                 Collection<SessionMonitorFactory> monitors) {
        return new PoolHarness(block, policies, monitors, Runnable::run);
    }

    /** Starts the pool: the first maintenance runs now. */
    public PoolHarness start() {
        pool.start();
        return this;
    }

    /** Opens a stream and returns it; fails the test if the open did not complete at once. */
    public Channel open() {
        return join(pool.open(DESTINATION, null));
    }

    /** Moves time, running every timer (the pool's maintenance and sessions' heartbeats) that falls due. */
    public void advance(Duration duration) {
        scheduler.advance(duration);
    }

    /** Moves time to {@code at} after time zero. */
    public void advanceTo(Duration at) {
        scheduler.advanceTo(at.toNanos());
    }

    /** Seqs of the idle sessions, newest first (the order they are handed out in). */
    public List<Long> idleSeqs() {
        return pool.snapshot().idle().stream().map(PooledSession::seq).toList();
    }

    /** Seqs of the busy sessions, newest first. */
    public List<Long> busySeqs() {
        return pool.snapshot().busy().stream().map(PooledSession::seq).toList();
    }

    /** The pool's gauge or counter {@code name} (tag outbound=hk plus {@code tags}), 0 when never registered. */
    public double meter(String name, String... tags) {
        RequiredSearch search = registry.get(name).tag("outbound", "hk");
        for (int i = 0; i + 1 < tags.length; i += 2) {
            search = search.tag(tags[i], tags[i + 1]);
        }
        try {
            var meter = search.meter();
            return meter.measure().iterator().next().getValue();
        } catch (io.micrometer.core.instrument.search.MeterNotFoundException e) {
            return 0;
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The value of a stage that must already be complete. */
    public static <T> T join(CompletionStage<T> stage) {
        var future = stage.toCompletableFuture();
        if (!future.isDone()) {
            throw new AssertionError("expected the stage to be complete already");
        }
        try {
            return future.get(0, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("stage failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        pool.closeAsync();
        scheduler.runDueTasks();
    }
}
