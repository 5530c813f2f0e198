package org.anytls4j.it.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.anytls4j.core.testing.FaultRelay;
import org.anytls4j.core.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pool policies against a real AnyTLS server over real TLS on 127.0.0.1, through a relay that misbehaves like
 * real network paths (issue 4's end-to-end evidence).
 */
@Timeout(120)
class PoolEndToEndTest {
    private static final long WAIT_SECONDS = 30;

    @Test
    void theHeartbeatDetectsABlackHoledSessionInTimeAndEnsureIdleReplacesIt() throws Exception {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolEndToEnd e2e = PoolEndToEnd.start(
                     "ensure_idle_session = 1, heartbeat = 1s, heartbeat_timeout = 500ms, heartbeat_max_missed = 2")) {
            FaultRelay.Flow first = e2e.relay.flow(1).get(WAIT_SECONDS, TimeUnit.SECONDS);
            // Wait until the peer is known to answer (its first HeartResponse came back through the relay).
            logs.awaitLine(l -> l.startsWith("outbound=proxy session=#1 [Heartbeat] Received heartbeat response"))
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);

            long blackHoledAt = System.nanoTime();
            first.freeze();
            logs.awaitLine(l -> l.startsWith("outbound=proxy session=#1 heartbeat timeout"))
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);
            Duration detectedAfter = Duration.ofNanos(System.nanoTime() - blackHoledAt);

            // Bound: heartbeat + heartbeat_timeout * heartbeat_max_missed = 1s + 2 * 500ms, plus scheduling slack.
            assertThat(detectedAfter).isLessThan(Duration.ofSeconds(2).plusMillis(750));
            first.closeFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);

            FaultRelay.Flow replacement = e2e.relay.flow(2).get(WAIT_SECONDS, TimeUnit.SECONDS);
            logs.awaitLine(l -> l.contains("[EnsureIdleSession] Successfully created and pooled session #1 (seq=2)"))
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(replacement.isClosed()).isFalse();
            assertThat(e2e.roundTrip("still proxying")).isEqualTo("still proxying");
            assertThat(e2e.relay.flows()).hasSize(2);
        }
    }

    @Test
    void aHeartbeatAtHalfTheNatTimeoutKeepsEverySessionAliveForTenTimesIt() throws Exception {
        Duration natTimeout = Duration.ofSeconds(2);
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolEndToEnd e2e = PoolEndToEnd.start("ensure_idle_session = 2, heartbeat = 1s")) {
            e2e.relay.dropIdleAfter(natTimeout);
            e2e.relay.flow(2).get(WAIT_SECONDS, TimeUnit.SECONDS);
            // Ten NAT timeouts; nothing should close, so this waits out the whole period.
            var ended = logs.awaitLine(l -> l.contains(" closed reason="));
            assertThat(ended).failsWithin(natTimeout.multipliedBy(10));

            assertThat(e2e.relay.flows()).hasSize(2)
                    .allSatisfy(c -> assertThat(c.droppedForIdleness()).isFalse());
            assertThat(logs.linesContaining("[Heartbeat] Received heartbeat response")).hasSizeGreaterThanOrEqualTo(30);
            assertThat(e2e.roundTrip("alive")).isEqualTo("alive");
            assertThat(e2e.relay.flows()).hasSize(2);
        }
    }

    @Test
    void theFirstStreamAfterStartRunsOnAPreCreatedSession() throws Exception {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolEndToEnd e2e = PoolEndToEnd.start("ensure_idle_session = 3")) {
            for (int seq = 1; seq <= 3; seq++) {
                int s = seq;
                logs.awaitLine(l -> l.contains("[EnsureIdleSession] Successfully created and pooled session #" + s))
                        .get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            assertThat(e2e.relay.flows()).hasSize(3);

            assertThat(e2e.roundTrip("hello through a warm session")).isEqualTo("hello through a warm session");

            assertThat(e2e.relay.flows()).as("no new connection was made for the stream").hasSize(3);
            assertThat(logs.lines()).anyMatch(l -> l.matches("outbound=proxy session=#3 handed out idle=.*"));
            assertThat(logs.linesContaining("created reason=demand")).isEmpty();
        }
    }
}
