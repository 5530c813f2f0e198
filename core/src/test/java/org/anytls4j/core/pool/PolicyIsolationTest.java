package org.anytls4j.core.pool;

import static org.anytls4j.core.testing.PoolHarness.DESTINATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.typesafe.config.Config;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PolicyContext;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.api.pool.PooledSession;
import org.anytls4j.core.testing.LogCapture;
import org.anytls4j.core.testing.PoolHarness;
import org.junit.jupiter.api.Test;

/**
 * Third-party policy code is isolated from the I/O path (issue 9, section 2): a policy blocked in {@code evaluate}
 * does not delay {@code open}; a policy that throws or overruns its budget fails closed and is disabled after
 * {@code policy_failure_limit} failures; a plugin's scheduling handle cannot shut the host's scheduler down and its
 * tasks end with the pool; two policies undoing each other run after run are reported.
 */
class PolicyIsolationTest {

    /** A policy (and factory) whose evaluate blocks on a latch and whose mayHandOut is its own. */
    private static final class StuckPolicy implements PoolPolicy, PoolPolicyFactory {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public String name() {
            return "stuck";
        }

        @Override
        public boolean enabledBy(Config settings) {
            return true;
        }

        @Override
        public PoolPolicy create(Config settings, PolicyContext context) {
            return this;
        }

        @Override
        public Decision evaluate(PoolSnapshot pool, long nowNanos) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Decision.nothing();
        }

        @Override
        public boolean mayHandOut(PooledSession session, long nowNanos) {
            return true;
        }
    }

    @Test
    void aPolicyBlockedInEvaluateDoesNotDelayOpenAndIsDisabledAfterOverrunningItsBudget() throws Exception {
        ExecutorService executor = Executors.newCachedThreadPool();
        StuckPolicy stuck = new StuckPolicy();
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolHarness h = PoolHarness.of("policy_time_budget = 50ms, policy_failure_limit = 2", List.of(stuck),
                     List.of(), executor)) {
            var disabled = logs.awaitLine(l -> l.contains("policy stuck (plugin StuckPolicy) disabled after 2 "
                    + "consecutive failures"));
            h.start();
            assertThat(stuck.entered.await(10, TimeUnit.SECONDS)).isTrue();

            Channel stream = h.pool.open(DESTINATION, null).toCompletableFuture().get(10, TimeUnit.SECONDS);

            assertThat(stuck.release.getCount()).as("the policy is still blocked").isEqualTo(1);
            assertThat(stream.isActive()).isTrue();
            // The run's evaluate overran (1), then its mayHandOut could not be called while it still ran (2).
            disabled.get(10, TimeUnit.SECONDS);
            assertThat(logs.lines(Level.WARN)).filteredOn(l -> l.contains("policy stuck")).containsExactly(
                    "outbound=hk policy stuck (plugin StuckPolicy) failed: evaluate overran policy_time_budget=50ms; "
                            + "failing closed: its actions are dropped and sessions it could not vouch for are not "
                            + "handed out",
                    "outbound=hk policy stuck (plugin StuckPolicy) disabled after 2 consecutive failures; the pool "
                            + "goes on without it until the next start");
            assertThat(h.pool.disabledPolicyNames()).containsExactly("stuck");
            assertThat(h.meter("anytls4j.pool.policy.disabled", "policy", "stuck")).isEqualTo(1);
            assertThat(h.meter("anytls4j.pool.policy.failures", "policy", "stuck", "cause", "overrun")).isEqualTo(2);
            stream.close();
        } finally {
            stuck.release.countDown();
            executor.shutdownNow();
        }
    }

    @Test
    void aSessionWhoseHandOutAPolicyCannotVouchForIsNotHandedOut() {
        ScriptedPolicy broken = new ScriptedPolicy("broken", 300, true);
        broken.handOut = (session, now) -> {
            throw new IllegalStateException("boom");
        };
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolHarness h = PoolHarness.of("policy_failure_limit = 3", List.of(broken), List.of()).start()) {
            h.open().close();                                    // #1: vetted at creation and when idle: 2 failures

            h.open();

            assertThat(h.busySeqs()).as("#1 failed closed: a new session was made").containsExactly(2L);
            assertThat(h.idleSeqs()).containsExactly(1L);
            assertThat(logs.lines(Level.WARN)).filteredOn(l -> l.contains("policy broken")).hasSize(2)
                    .first().asString().contains("failed: mayHandOut threw java.lang.IllegalStateException: boom");
            // #2's vetting was the third failure in a row: the policy is disabled and #1 may be handed out again.
            assertThat(h.pool.disabledPolicyNames()).containsExactly("broken");
            h.open();
            assertThat(h.busySeqs()).containsExactly(2L, 1L);
        }
    }

    @Test
    void aPolicyThatThrowsInEvaluateHasItsActionsDroppedAndTheOthersStillRun() {
        AtomicInteger calls = new AtomicInteger();
        ScriptedPolicy thrower = new ScriptedPolicy("thrower", 300, true).deciding((pool, now) -> {
            calls.incrementAndGet();
            throw new IllegalStateException("bad");
        });
        ScriptedPolicy filler = new ScriptedPolicy("filler", 400, true).deciding((pool, now) ->
                pool.idle().size() + pool.creating() < 1 ? Decision.of(List.of(PoolAction.create(1, "fill")))
                        : Decision.nothing());
        try (PoolHarness h = PoolHarness.of("", List.of(thrower, filler), List.of()).start()) {
            assertThat(h.idleSeqs()).containsExactly(1L);
            h.advance(Duration.ofSeconds(30));
            h.advance(Duration.ofSeconds(30));
            assertThat(calls).hasValue(3);
            assertThat(h.pool.disabledPolicyNames()).containsExactly("thrower");
            h.advance(Duration.ofSeconds(30));
            assertThat(calls).as("a disabled policy is not called").hasValue(3);
            assertThat(h.meter("anytls4j.pool.policy.failures", "policy", "thrower", "cause", "exception"))
                    .isEqualTo(3);
        }
    }

    @Test
    void aPluginsSchedulerCannotBeShutDownAndItsTasksEndWithThePool() {
        ScriptedPolicy policy = new ScriptedPolicy("timers", 300, true);
        PoolHarness h = PoolHarness.of("", List.of(policy), List.of()).start();
        var scheduler = policy.context.scheduler();
        AtomicInteger ran = new AtomicInteger();
        ScheduledFuture<?> later = scheduler.schedule(ran::incrementAndGet, 1, TimeUnit.HOURS);

        assertThatThrownBy(scheduler::shutdown).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(scheduler::shutdownNow).isInstanceOf(UnsupportedOperationException.class);
        assertThat(h.scheduler.isShutdown()).isFalse();

        h.close();

        assertThat(later.isCancelled()).isTrue();
        h.advance(Duration.ofHours(2));
        assertThat(ran).hasValue(0);
        assertThatThrownBy(() -> scheduler.schedule(ran::incrementAndGet, 1, TimeUnit.SECONDS))
                .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    }

    @Test
    void twoPoliciesUndoingEachOtherRunAfterRunAreReportedOnce() {
        ScriptedPolicy closer = new ScriptedPolicy("closer", 300, true).deciding((pool, now) ->
                Decision.of(pool.idle().stream()
                        .<PoolAction>map(s -> PoolAction.close(s.seq(), CloseReason.MAX_AGE, "")).toList()));
        ScriptedPolicy filler = new ScriptedPolicy("filler", 400, true).deciding((pool, now) ->
                pool.idle().size() + pool.creating() < 1 ? Decision.of(List.of(PoolAction.create(1, "fill")))
                        : Decision.nothing());
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolHarness h = PoolHarness.of("", List.of(closer, filler), List.of()).start()) {
            for (int run = 0; run < 2; run++) {
                h.advance(Duration.ofSeconds(30));
            }
            assertThat(logs.lines(Level.WARN)).noneMatch(l -> l.contains("undo each other"));
            h.advance(Duration.ofSeconds(30));
            for (int run = 0; run < 5; run++) {
                h.advance(Duration.ofSeconds(30));
            }
            assertThat(logs.lines(Level.WARN)).filteredOn(l -> l.contains("undo each other")).containsExactly(
                    "outbound=hk policies closer and filler undo each other: closer closed sessions that filler "
                            + "created again, 3 runs in a row; the pool churns sessions (check their settings: "
                            + "docs/TROUBLESHOOTING.md)");
        }
    }
}
