package org.anytls4j.plugin.ensureidle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import io.netty.channel.Channel;
import org.anytls4j.api.pool.CreationBackoffException;
import org.anytls4j.api.CloseReason;
import org.anytls4j.core.testing.LogCapture;
import org.anytls4j.core.testing.PoolHarness;
import org.anytls4j.testkit.FakeSession;
import org.junit.jupiter.api.Test;

/** ensure_idle inside a real pool: fill at start, rate limit, no overshoot, backoff, shutdown, log lines. */
class EnsureIdlePoolTest {
    private static final Duration INTERVAL = Duration.ofSeconds(30);

    private static PoolHarness pool(String hocon) {
        return PoolHarness.of(hocon, List.of(new EnsureIdlePolicyFactory()), List.of());
    }

    @Test
    void fillsThePoolAtStartAndLogsTheGuideLines() {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolHarness h = pool("ensure_idle_session = 5").start()) {
            assertThat(h.idleSeqs()).containsExactly(5L, 4L, 3L, 2L, 1L);
            assertThat(h.meter("anytls4j.pool.sessions.opened", "reason", "ensure")).isEqualTo(5);
            assertThat(logs.lines()).contains(
                    "outbound=hk [EnsureIdleSession] Current idle sessions: 0, target: 5, creating 5 new sessions",
                    "outbound=hk [EnsureIdleSession] Successfully created and pooled session #1 (seq=1)",
                    "outbound=hk [EnsureIdleSession] Successfully created and pooled session #5 (seq=5)");

            h.open();
            h.open();
            h.advance(INTERVAL);
            assertThat(logs.lines()).contains(
                    "outbound=hk [EnsureIdleSession] Current idle sessions: 3, target: 5, creating 2 new sessions",
                    "outbound=hk [EnsureIdleSession] Successfully created and pooled session #1 (seq=6)",
                    "outbound=hk [EnsureIdleSession] Successfully created and pooled session #2 (seq=7)");
            assertThat(h.idleSeqs()).containsExactly(7L, 6L, 3L, 2L, 1L);
        }
    }

    @Test
    void poolMdSection83TargetTenRateThreeCreatesThreeThreeThreeOne() {
        // "assuming all succeed and nothing is used or cleaned": a long idle timeout keeps the cleanup out of it.
        try (PoolHarness h = pool("idle_session_timeout = 1h, ensure_idle_session = 10, "
                + "ensure_idle_session_create_rate = 3").start()) {
            List<Integer> sizes = new ArrayList<>();
            sizes.add(h.idleSeqs().size());
            for (int run = 0; run < 4; run++) {
                h.advance(INTERVAL);
                sizes.add(h.idleSeqs().size());
            }
            assertThat(sizes).containsExactly(3, 6, 9, 10, 10);
            assertThat(h.connector.attempts()).isEqualTo(10);
        }
    }

    @Test
    void slowCreationsNeverMakeThePoolOvershoot() {
        try (PoolHarness h = pool("ensure_idle_session = 5")) {
            h.connector.manual();
            h.start();
            assertThat(h.connector.pendingConnects()).isEqualTo(5);
            h.advance(INTERVAL.multipliedBy(3));                     // three more runs while all 5 still connect
            assertThat(h.connector.attempts()).isEqualTo(5);
            h.connector.completeNext();
            h.connector.completeNext();
            h.advance(INTERVAL);                                      // 2 idle + 3 creating = target
            assertThat(h.connector.attempts()).isEqualTo(5);
            h.connector.completeAll();
            assertThat(h.idleSeqs()).hasSize(5);
        }
    }

    @Test
    void aWrongPasswordMakesAtMostTenConnectionsIn20SecondsNotAStorm() {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolHarness h = pool("ensure_idle_session = 5")) {
            // The server reads the preamble, finds the password wrong and closes the connection: not one frame.
            h.connector.customize(s -> {
                s.silent();
                h.scheduler.execute(() -> s.close(CloseReason.PEER_CLOSE));
            });
            h.start();
            h.advanceTo(Duration.ofSeconds(20));

            // 5 at start, then one per growing wait: 1-2s, 2-4s, 4-8s, 8-16s.
            assertThat(h.connector.attempts()).isBetween(8, 9);
            assertThat(h.idleSeqs()).isEmpty();
            assertThat(logs.lines(Level.WARN)).hasSize(1).allSatisfy(line -> assertThat(line).contains(
                    "Failed to create session: server closed the session right after authentication: wrong password "
                            + "or not an AnyTLS server; backing off: next attempt in "));
            CompletableFuture<Channel> open = h.pool.open(PoolHarness.DESTINATION, null).toCompletableFuture();
            assertThatThrownBy(open::join).hasCauseInstanceOf(CreationBackoffException.class)
                    .hasMessageContaining("server closed the session right after authentication: wrong password or "
                            + "not an AnyTLS server (" + h.pool.snapshot().creationFailures() + " failures in a row; "
                            + "next attempt in ");
            assertThat(h.meter("anytls4j.pool.sessions.create.failures", "reason", "ensure", "cause",
                    "closed-unheard")).isEqualTo(h.connector.attempts());
        }
    }

    @Test
    void afterAServerRestartAttemptsFollowTheBackoffAndThePoolIsBackWithinTheCap() {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolHarness h = pool("ensure_idle_session = 5")) {
            h.start();
            h.advanceTo(Duration.ofSeconds(6));                        // five sessions that proved themselves
            assertThat(h.pool.snapshot().creationFailures()).isZero();

            // The server goes down: it closes every session and refuses connects for 10 s.
            long down = h.ticker.nanoTime();
            h.connector.failAll(new IOException("connection refused"));
            h.connector.activeSessions().forEach(s -> s.close(CloseReason.PEER_CLOSE));
            h.advance(Duration.ofMillis(1));                           // proven sessions: replaced at once, in vain
            assertThat(h.connector.attempts()).isEqualTo(10);
            long up = down + Duration.ofSeconds(10).toNanos();

            // Every attempt during the outage waits for the back-off: none before the allowed time, one at it.
            List<Long> waits = new ArrayList<>();
            long last = h.ticker.nanoTime();
            while (h.pool.snapshot().createAllowedAtNanos() < up) {
                long allowedAt = h.pool.snapshot().createAllowedAtNanos();
                int before = h.connector.attempts();
                h.advanceTo(Duration.ofNanos(allowedAt - 1));
                assertThat(h.connector.attempts()).isEqualTo(before);
                h.advanceTo(Duration.ofNanos(allowedAt));
                assertThat(h.connector.attempts()).isEqualTo(before + 1);
                waits.add(allowedAt - last);
                last = allowedAt;
            }
            assertThat(waits).hasSizeBetween(2, 5).allSatisfy(wait -> assertThat(wait)
                    .isBetween(Duration.ofSeconds(1).toNanos(), Duration.ofSeconds(60).toNanos()));

            // The server is back: the next attempt succeeds, proves itself after the 5s probation, and the pool
            // refills at that moment, within the 60s cap of the restart.
            h.connector.failAll(null);
            h.advanceTo(Duration.ofNanos(up));
            long nextAttempt = h.pool.snapshot().createAllowedAtNanos();
            assertThat(nextAttempt - up).isLessThanOrEqualTo(Duration.ofSeconds(60).toNanos());
            h.advanceTo(Duration.ofNanos(nextAttempt + Duration.ofSeconds(5).toNanos()));
            assertThat(h.idleSeqs()).hasSize(5);
            assertThat(h.ticker.nanoTime() - up).isLessThan(Duration.ofSeconds(60).toNanos());
            assertThat(logs.lines(Level.WARN)).hasSize(1);
            assertThat(logs.linesContaining("Creating sessions works again")).hasSize(1);
            assertThat(h.meter("anytls4j.pool.ensure.deficit")).isZero();
        }
    }

    @Test
    void shutdownClosesWhatCreationsInFlightProduceLater() {
        PoolHarness h = pool("ensure_idle_session = 3");
        h.connector.manual();
        h.start();
        h.connector.completeNext();
        h.pool.closeAsync();
        List<FakeSession> late = h.connector.completeAll();
        assertThat(late).hasSize(2).allSatisfy(s -> assertThat(s.closeReason()).contains(CloseReason.SHUTDOWN));
        assertThat(h.connector.session(1).closeReason()).contains(CloseReason.SHUTDOWN);
        assertThat(h.connector.isClosed()).isTrue();
        assertThat(h.registry.find("anytls4j.pool.ensure.deficit").gauge()).isNull();
    }
}
