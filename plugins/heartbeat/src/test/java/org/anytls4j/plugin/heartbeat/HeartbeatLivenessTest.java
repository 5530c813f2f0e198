package org.anytls4j.plugin.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.anytls4j.api.CloseReason;
import org.anytls4j.testkit.FakePolicyContext;
import org.anytls4j.testkit.FakeSession;
import org.anytls4j.testkit.ManualScheduler;
import org.anytls4j.testkit.PoolConfigs;
import org.junit.jupiter.api.Test;

/**
 * Liveness = any read (issue 8, POOL.md section 8.7 "This project"), on fake time: a probe goes out only after an
 * interval with nothing received, anything received after a probe proves life, and time during which the session's
 * reads were paused by local back-pressure never counts toward a miss.
 */
class HeartbeatLivenessTest {
    private final FakePolicyContext context = FakePolicyContext.create("heartbeat");
    private final ManualScheduler scheduler = context.manualScheduler();
    private long nextSeq = 1;

    private HeartbeatMonitor monitor(String hocon) {
        return (HeartbeatMonitor) new HeartbeatMonitorFactory().create(PoolConfigs.outbound(hocon), context);
    }

    private ReadingSession session() {
        return new ReadingSession(new FakeSession(nextSeq++, scheduler.ticker().nanoTime(), scheduler),
                scheduler.ticker());
    }

    private double misses() {
        return context.metrics().findCounter("anytls4j.heartbeat.misses").orElseThrow().count();
    }

    private long now() {
        return scheduler.ticker().nanoTime();
    }

    /** Steps time by 10 ms until the session's next probe went out; returns the time it took. */
    private Duration untilNextProbe(ReadingSession session) {
        int before = session.probes().pings();
        Duration step = Duration.ofMillis(10);
        Duration waited = Duration.ZERO;
        while (session.probes().pings() == before) {
            assertThat(waited).as("no probe within 10 minutes").isLessThan(Duration.ofMinutes(10));
            scheduler.advance(step);
            waited = waited.plus(step);
        }
        return waited;
    }

    /** Steps time by 10 ms until the session closed; returns the time it took. */
    private Duration untilClosed(ReadingSession session) {
        long start = now();
        while (session.isActive()) {
            assertThat(Duration.ofNanos(now() - start)).as("not closed within 10 minutes")
                    .isLessThan(Duration.ofMinutes(10));
            scheduler.advance(Duration.ofMillis(10));
        }
        return Duration.ofNanos(now() - start);
    }

    @Test
    void aSessionThatKeepsReceivingIsNeverProbed() {
        ReadingSession busy = session();
        monitor("heartbeat = 30s").attach(busy);
        for (int i = 0; i < 60; i++) {                               // 10 minutes, something every 10 s
            scheduler.advance(Duration.ofSeconds(10));
            busy.receive();
        }
        assertThat(busy.probes().pings()).isZero();
        assertThat(busy.isActive()).isTrue();
    }

    @Test
    void theProbeGoesOutOneIntervalAfterTheLastRead() {
        ReadingSession session = session();
        monitor("heartbeat = 30s").attach(session);
        scheduler.advance(Duration.ofSeconds(10));
        session.receive();                                           // last read at 10 s
        scheduler.advanceTo(Duration.ofSeconds(40).toNanos() - 1);
        assertThat(session.probes().pings()).isZero();
        scheduler.advance(Duration.ofNanos(1));
        assertThat(session.probes().pings()).isEqualTo(1);
    }

    @Test
    void anythingReceivedAfterAProbeProvesLifeWithoutAnAnswer() {
        ReadingSession session = session();
        monitor("heartbeat = 30s, heartbeat_timeout = 10s, heartbeat_max_missed = 1").attach(session);
        for (int i = 0; i < 20; i++) {
            untilNextProbe(session);                                 // never answered...
            scheduler.advance(Duration.ofSeconds(9));
            session.receive();                                       // ...but data arrives within the timeout
        }
        scheduler.advance(Duration.ofSeconds(20));
        assertThat(session.isActive()).isTrue();
        assertThat(misses()).isZero();
        assertThat(session.probes().pings()).isEqualTo(20);
    }

    @Test
    void aReadingSessionThatHearsNothingIsClosedWithinIntervalPlusTimeoutTimesMisses() {
        ReadingSession session = session();
        monitor("heartbeat = 1s, heartbeat_timeout = 1s, heartbeat_max_missed = 2").attach(session);
        Duration took = untilClosed(session);
        assertThat(session.closeReason()).contains(CloseReason.HEARTBEAT_TIMEOUT);
        // interval + 20 % jitter + timeout * misses
        assertThat(took).isBetween(Duration.ofSeconds(3), Duration.ofMillis(3200));
        assertThat(misses()).isEqualTo(2);
    }

    @Test
    void aSlowReaderPausedLongerThanIntervalPlusTimeoutTimesMissesIsNotClosed() {
        ReadingSession session = session();
        HeartbeatMonitor monitor = monitor("heartbeat = 1s, heartbeat_timeout = 1s, heartbeat_max_missed = 2");
        monitor.attach(session);
        session.receive().pauseReads();                              // a download whose local reader stalled
        scheduler.advance(Duration.ofMinutes(2));                    // 40 x (interval + timeout x misses)
        assertThat(session.isActive()).isTrue();
        assertThat(misses()).isZero();
        assertThat(session.probes().pings()).as("no probe while its answer could not be read").isZero();

        session.resumeReads();                                       // reading again, but the server is gone
        Duration took = untilClosed(session);
        assertThat(session.closeReason()).contains(CloseReason.HEARTBEAT_TIMEOUT);
        // one interval of slack: the paused session looks again once per interval
        assertThat(took).isLessThanOrEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void aProbeWindowDuringWhichReadsWerePausedGivesNoVerdict() {
        ReadingSession other = session();
        monitor("heartbeat = 30s, heartbeat_timeout = 10s, heartbeat_max_missed = 1").attach(other);
        untilNextProbe(other);
        long probeAt = now();
        scheduler.advance(Duration.ofSeconds(2));
        other.pauseReads();
        scheduler.advance(Duration.ofSeconds(3));
        other.resumeReads();
        scheduler.advanceTo(probeAt + Duration.ofSeconds(10).toNanos());
        assertThat(other.isActive()).as("reads paused during the window: no verdict").isTrue();
        assertThat(misses()).isZero();

        untilNextProbe(other);                                       // the next window, reading throughout
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(other.closeReason()).contains(CloseReason.HEARTBEAT_TIMEOUT);
    }

    @Test
    void readsPausedWhenTheDeadlinePassesGiveNoVerdict() {
        ReadingSession session = session();
        monitor("heartbeat = 30s, heartbeat_timeout = 10s, heartbeat_max_missed = 1").attach(session);
        untilNextProbe(session);
        session.pauseReads();
        scheduler.advance(Duration.ofMinutes(5));
        assertThat(session.isActive()).isTrue();
        assertThat(misses()).isZero();
    }

    @Test
    void anAnsweredProbeStillRecordsItsRoundTripAndReArmsAnIntervalAfterTheAnswer() {
        ReadingSession session = session();
        monitor("heartbeat = 30s").attach(session);
        untilNextProbe(session);
        scheduler.advance(Duration.ofSeconds(1));
        session.probes().answerAll(Duration.ofSeconds(1));           // a read at +1 s
        long answeredAt = now();
        untilNextProbe(session);
        assertThat(Duration.ofNanos(now() - answeredAt)).isBetween(Duration.ofSeconds(30),
                Duration.ofMillis(30_010));
        assertThat(context.metrics().findTimer("anytls4j.heartbeat.rtt").orElseThrow().count()).isEqualTo(1);
    }
}
