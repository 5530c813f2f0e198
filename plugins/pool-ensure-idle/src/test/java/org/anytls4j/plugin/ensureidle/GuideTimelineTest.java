package org.anytls4j.plugin.ensureidle;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.List;
import org.anytls4j.api.CloseReason;
import org.anytls4j.core.testing.LogCapture;
import org.anytls4j.core.testing.PoolHarness;
import org.anytls4j.plugin.heartbeat.HeartbeatMonitorFactory;
import org.anytls4j.plugin.minidle.MinIdlePolicyFactory;
import org.anytls4j.testkit.FakeSession;
import org.junit.jupiter.api.Test;

/**
 * The features guide's "Example Timeline" and its two scenarios, driven through a real pool with the min_idle,
 * ensure_idle and heartbeat plugins, a fake connector and a manual clock.
 *
 * <p>The guide's table is a simplification: it leaves out the ensure top-up that a run makes while sessions are
 * in use, and its "6m: all > 5m idle" cannot follow streams returned at 5m (returning restarts the idle timer,
 * POOL.md 4). {@link #guideTimelineRowByRow()} therefore asserts, row by row, what this pool really does with the
 * guide's Balanced settings and traffic, naming each place where the guide's row differs; the row "cleanup keeps 2,
 * closes 3; ensure creates 3 -> 5" appears exactly at 10m30s, once the sessions returned at 5m expire.
 * {@link #guideTimelineWithoutTraffic()} shows the same cleanup-and-refill on an untouched pool.
 */
class GuideTimelineTest {
    /** The guide's Balanced profile, which its timeline uses (interval 30s, timeout 5m, min 2, ensure 5, 30s beat). */
    private static PoolHarness balanced() {
        PoolHarness h = PoolHarness.of("idle_session_check_interval = 30s, idle_session_timeout = 5m, "
                        + "min_idle_session = 2, ensure_idle_session = 5, heartbeat = 30s",
                List.of(new MinIdlePolicyFactory(), new EnsureIdlePolicyFactory()),
                List.of(new HeartbeatMonitorFactory()));
        h.connector.customize(s -> s.heartbeat().autoAnswer(Duration.ofMillis(25)));
        return h;
    }

    private static List<Long> closedSeqs(PoolHarness h) {
        return h.connector.sessions().stream().filter(s -> !s.isActive()).map(FakeSession::seq).toList();
    }

    @Test
    void guideTimelineRowByRow() {
        try (LogCapture logs = LogCapture.of("org.anytls4j"); PoolHarness h = balanced()) {
            // 0s | 0 | ensure: create 5 sessions -> 5
            h.start();
            assertThat(h.idleSeqs()).containsExactly(5L, 4L, 3L, 2L, 1L);
            assertThat(logs.lines()).contains(
                    "outbound=hk [EnsureIdleSession] Current idle sessions: 0, target: 5, creating 5 new sessions");

            // 30s | 5 | no action (at target)
            h.advanceTo(Duration.ofSeconds(30));
            assertThat(h.connector.attempts()).isEqualTo(5);
            assertThat(h.idleSeqs()).hasSize(5);
            assertThat(closedSeqs(h)).isEmpty();

            // 60s | 5 | heartbeat sends on all 5 (first beats at 30s + up to 20 % jitter, then every 30s)
            h.advanceTo(Duration.ofSeconds(60));
            assertThat(h.connector.sessions()).allSatisfy(s -> assertThat(s.heartbeat().pings()).isEqualTo(1));
            assertThat(h.registry.get("anytls4j.heartbeat.rtt").timer().count()).isEqualTo(5);
            assertThat(h.idleSeqs()).hasSize(5);

            // 2m | 2 | (3 sessions in use): the newest three are handed out
            h.advanceTo(Duration.ofMinutes(2));
            List<Channel> streams = List.of(h.open(), h.open(), h.open());
            assertThat(h.busySeqs()).containsExactly(5L, 4L, 3L);
            assertThat(h.idleSeqs()).containsExactly(2L, 1L);

            // Not in the guide's table: the 2m30s run tops the idle pool up again (3 in use do not count).
            h.advanceTo(Duration.ofSeconds(150));
            assertThat(h.idleSeqs()).containsExactly(8L, 7L, 6L, 2L, 1L);

            // 5m | 5 | (sessions returned to pool): here 5 + the 3 returned = 8, their idle timers restart at 5m
            h.advanceTo(Duration.ofMinutes(5));
            streams.forEach(Channel::close);
            assertThat(h.idleSeqs()).containsExactly(8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L);

            // 5m30s: #1 and #2, idle since 0s, are the first past 5m; six newer sessions are kept, so min_idle
            // protects nothing and the cleanup closes both. 6 idle >= 5: no creation.
            h.advanceTo(Duration.ofSeconds(330));
            assertThat(closedSeqs(h)).containsExactly(1L, 2L);
            assertThat(h.connector.session(1).closeReason()).contains(CloseReason.IDLE_TIMEOUT);
            assertThat(h.idleSeqs()).containsExactly(8L, 7L, 6L, 5L, 4L, 3L);

            // 8m: #6-#8 (idle since 2m30s) are past 5m. The walk goes by seq, newest first: #8 and #7 are expired
            // but fewer than 2 sessions are kept yet, so min_idle protects them (timers reset); #6 is closed.
            h.advanceTo(Duration.ofMinutes(8));
            assertThat(closedSeqs(h)).containsExactly(1L, 2L, 6L);
            assertThat(h.idleSeqs()).containsExactly(8L, 7L, 5L, 4L, 3L);
            assertThat(logs.lines()).contains("outbound=hk [IdleCleanup] Found 3 expired sessions (timeout=5m0s), "
                    + "closing 1 (keeping 2 to maintain min_idle_session=2, current=6)");

            // The guide's "6m" rows, exactly: at 10m30s #3-#5 (idle since 5m) are past 5m; the first 2 (#8, #7,
            // not expired) are kept, the 3 others are closed -> 2 idle; in the same run ensure creates 3 new -> 5.
            h.advanceTo(Duration.ofSeconds(629));
            assertThat(h.idleSeqs()).containsExactly(8L, 7L, 5L, 4L, 3L);
            h.advanceTo(Duration.ofSeconds(630));
            assertThat(closedSeqs(h)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(h.idleSeqs()).containsExactly(11L, 10L, 9L, 8L, 7L);
            assertThat(logs.lines()).contains(
                    "outbound=hk [IdleCleanup] Found 3 expired sessions (timeout=5m0s), closing all (current=5)",
                    "outbound=hk [EnsureIdleSession] Current idle sessions: 2, target: 5, creating 3 new sessions",
                    "outbound=hk [EnsureIdleSession] Successfully created and pooled session #3 (seq=11)");
            assertThat(h.meter("anytls4j.pool.sessions.closed", "reason", "idle-timeout")).isEqualTo(6);
            assertThat(h.meter("anytls4j.pool.sessions.opened", "reason", "ensure")).isEqualTo(11);
            assertThat(h.registry.get("anytls4j.heartbeat.misses").counter().count()).isZero();
        }
    }

    @Test
    void guideTimelineWithoutTraffic() {
        try (LogCapture logs = LogCapture.of("org.anytls4j"); PoolHarness h = balanced()) {
            h.start();                                                   // 0s: ensure creates 5
            assertThat(h.idleSeqs()).hasSize(5);
            h.advanceTo(Duration.ofMinutes(5));                          // idle exactly 5m: not expired yet
            assertThat(h.idleSeqs()).containsExactly(5L, 4L, 3L, 2L, 1L);

            h.advanceTo(Duration.ofSeconds(330));                        // first run with all > 5m idle
            // cleanup: min keeps the first 2 (timers reset), closes 3 -> 2 idle; ensure: create 3 new -> 5
            assertThat(closedSeqs(h)).containsExactly(1L, 2L, 3L);
            assertThat(h.idleSeqs()).containsExactly(8L, 7L, 6L, 5L, 4L);
            assertThat(h.pool.snapshot().idle()).filteredOn(s -> s.seq() <= 5)
                    .allSatisfy(s -> assertThat(s.idleSinceNanos()).isEqualTo(Duration.ofSeconds(330).toNanos()));
            assertThat(logs.lines()).containsSubsequence(
                    "outbound=hk [IdleCleanup] Found 5 expired sessions (timeout=5m0s), closing 3 (keeping 2 to "
                            + "maintain min_idle_session=2, current=5)",
                    "outbound=hk [EnsureIdleSession] Current idle sessions: 2, target: 5, creating 3 new sessions");
        }
    }

    @Test
    void aSessionWhoseServerGoesSilentIsClosedByTheHeartbeatAndReplacedAtOnce() {
        try (PoolHarness h = balanced()) {
            h.start();
            FakeSession silent = h.connector.session(3);
            silent.heartbeat().autoAnswer(null);                    // black hole: probes are never answered
            // First probe by 36 s (30 s + 20 % jitter), miss at +10 s, immediate re-probe, miss at +10 s: closed
            // by 56 s, and replaced 1 ms later, before the regular check at 60 s.
            h.advanceTo(Duration.ofSeconds(56).plusMillis(1));
            assertThat(silent.closeReason()).contains(CloseReason.HEARTBEAT_TIMEOUT);
            assertThat(h.idleSeqs()).containsExactly(6L, 5L, 4L, 2L, 1L);
            assertThat(h.meter("anytls4j.pool.sessions.closed", "reason", "heartbeat-timeout")).isEqualTo(1);
            assertThat(h.registry.get("anytls4j.heartbeat.misses").counter().count()).isEqualTo(2);
        }
    }

    @Test
    void guideScenarioTwoIdleWithEnsureFiveCreatesThree() {
        try (PoolHarness h = balanced()) {
            h.start();
            h.open();
            h.open();
            h.open();
            assertThat(h.idleSeqs()).hasSize(2);
            h.advance(Duration.ofSeconds(30));
            assertThat(h.connector.attempts()).isEqualTo(8);
            assertThat(h.idleSeqs()).containsExactly(8L, 7L, 6L, 2L, 1L);
        }
    }
}
