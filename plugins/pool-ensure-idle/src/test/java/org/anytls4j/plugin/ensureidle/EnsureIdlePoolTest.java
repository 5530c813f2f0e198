package org.anytls4j.plugin.ensureidle;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.anytls4j.api.CloseReason;
import org.anytls4j.core.testing.FakeSession;
import org.anytls4j.core.testing.LogCapture;
import org.anytls4j.core.testing.PoolHarness;
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
                    "outbound=hk session=#1 [EnsureIdleSession] Successfully created and pooled session #1 (seq=1)",
                    "outbound=hk session=#5 [EnsureIdleSession] Successfully created and pooled session #5 (seq=5)");

            h.open();
            h.open();
            h.advance(INTERVAL);
            assertThat(logs.lines()).contains(
                    "outbound=hk [EnsureIdleSession] Current idle sessions: 3, target: 5, creating 2 new sessions",
                    "outbound=hk session=#6 [EnsureIdleSession] Successfully created and pooled session #1 (seq=6)",
                    "outbound=hk session=#7 [EnsureIdleSession] Successfully created and pooled session #2 (seq=7)");
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
    void failuresBackOffExponentiallyUpToTheIntervalAndAreLoggedOncePerStreak() {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolHarness h = pool("ensure_idle_session = 1")) {
            h.connector.failAll(new IOException("connection refused"));
            h.start();                                                // attempt at 0 s
            List<Integer> attemptsAt = new ArrayList<>();
            for (int second : new int[] {1, 3, 7, 15, 31, 61, 91}) {
                h.advanceTo(Duration.ofSeconds(second).minusMillis(1));
                attemptsAt.add(h.connector.attempts());
                h.advanceTo(Duration.ofSeconds(second).plusMillis(2));
                attemptsAt.add(h.connector.attempts());
            }
            // Waits of 1, 2, 4, 8, 16 s, then capped at the 30 s interval.
            assertThat(attemptsAt).containsExactly(1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8);
            assertThat(logs.lines(Level.WARN)).containsExactly(
                    "outbound=hk [EnsureIdleSession] Failed to create session: connection refused; retrying with "
                            + "backoff (next in 1s, at most every 30s)");

            h.connector.failAll(null);
            h.advanceTo(Duration.ofSeconds(121).plusMillis(2));
            assertThat(h.idleSeqs()).containsExactly(1L);
            h.advance(INTERVAL);
            assertThat(logs.lines(Level.INFO)).contains("outbound=hk [EnsureIdleSession] Creating sessions works again");
            assertThat(logs.lines(Level.WARN)).hasSize(1);
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
