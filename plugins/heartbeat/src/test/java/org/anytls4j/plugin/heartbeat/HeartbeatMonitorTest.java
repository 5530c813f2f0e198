package org.anytls4j.plugin.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.core.testing.LogCapture;
import org.anytls4j.testkit.FakePolicyContext;
import org.anytls4j.testkit.FakeSession;
import org.anytls4j.testkit.ManualScheduler;
import org.anytls4j.testkit.PoolConfigs;
import org.junit.jupiter.api.Test;

class HeartbeatMonitorTest {
    private static final Duration INTERVAL = Duration.ofSeconds(30);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final FakePolicyContext context = FakePolicyContext.create("heartbeat");
    private final ManualScheduler scheduler = context.manualScheduler();
    private long nextSeq = 1;

    private HeartbeatMonitor monitor(String hocon) {
        return (HeartbeatMonitor) new HeartbeatMonitorFactory().create(PoolConfigs.outbound(hocon), context);
    }

    private FakeSession session() {
        return new FakeSession(nextSeq++, scheduler.ticker().nanoTime(), scheduler);
    }

    /** Moves to the session's first probe: the interval plus at most 20 % jitter; returns when it went out. */
    private Duration untilFirstPing(FakeSession session) {
        Duration step = Duration.ofMillis(100);
        Duration waited = Duration.ZERO;
        while (session.heartbeat().pings() == 0) {
            scheduler.advance(step);
            waited = waited.plus(step);
        }
        return waited;
    }

    @Test
    void firstProbeGoesOutAfterTheIntervalPlusAtMostTwentyPercentJitterThenEveryInterval() {
        HeartbeatMonitor monitor = monitor("heartbeat = 30s");
        List<FakeSession> sessions = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            FakeSession s = session();
            s.heartbeat().autoAnswer(Duration.ofMillis(20));
            monitor.attach(s);
            sessions.add(s);
        }
        scheduler.advance(INTERVAL.minusNanos(1));
        assertThat(sessions).allSatisfy(s -> assertThat(s.heartbeat().pings()).isZero());
        scheduler.advance(Duration.ofSeconds(6));                    // 36 s: past 30 s + 20 %
        assertThat(sessions).allSatisfy(s -> assertThat(s.heartbeat().pings()).isEqualTo(1));
        scheduler.advance(INTERVAL);                                  // 66 s
        assertThat(sessions).allSatisfy(s -> assertThat(s.heartbeat().pings()).isEqualTo(2));
    }

    @Test
    void jitterSpreadsFirstProbesUniformlyOverTheFifthOfTheIntervalAfterIt() {
        HeartbeatMonitor monitor = monitor("heartbeat = 30s");
        List<FakeSession> sessions = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            FakeSession s = session();
            s.heartbeat().autoAnswer(Duration.ofMillis(1));
            monitor.attach(s);
            sessions.add(s);
        }
        int[] pingedBy = new int[7];                                 // sessions that pinged by 30 s, 31 s, ... 36 s
        for (int second = 30; second <= 36; second++) {
            scheduler.advanceTo(Duration.ofSeconds(second).toNanos() - 1);
            pingedBy[second - 30] = (int) sessions.stream().filter(s -> s.heartbeat().pings() > 0).count();
        }
        assertThat(pingedBy[0]).isZero();
        assertThat(pingedBy[6]).isEqualTo(200);
        assertThat(pingedBy[3]).as("about half by 33 s").isBetween(70, 130);
        for (int i = 1; i < 7; i++) {
            assertThat(pingedBy[i] - pingedBy[i - 1]).as("each second of the jitter gets some").isPositive();
        }
    }

    @Test
    void publishesTheLastRoundTripAndTheMissesInARowThroughTheSessionsHeartbeatCapability() {
        HeartbeatMonitor monitor = monitor("heartbeat = 30s");
        FakeSession s = session();
        monitor.attach(s);
        untilFirstPing(s);
        assertThat(s.heartbeat().lastObservation()).isEmpty();

        scheduler.advance(TIMEOUT);                                 // probe #1 unanswered: one miss, #2 goes out
        assertThat(s.heartbeat().lastObservation()).contains(Heartbeat.Observation.of(-1, 1, 2));

        s.heartbeat().answerAll(Duration.ofMillis(42));
        assertThat(s.heartbeat().lastObservation()).contains(Heartbeat.Observation.of(42_000_000L, 0, 2));
    }

    @Test
    void answeredProbesRecordRoundTripTimesAndLogTheGuideLines() {
        try (LogCapture logs = LogCapture.of("org.anytls4j.plugin.heartbeat")) {
            HeartbeatMonitor monitor = monitor("heartbeat = 30s");
            FakeSession s = session();
            monitor.attach(s);
            untilFirstPing(s);
            s.heartbeat().answerAll(Duration.ofMillis(42));

            var rtt = context.metrics().findTimer("anytls4j.heartbeat.rtt", "outbound", "hk").orElseThrow();
            assertThat(rtt.count()).isEqualTo(1);
            assertThat(rtt.totalNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(42));
            assertThat(logs.lines()).contains(
                    "outbound=hk session=#1 [Heartbeat] Sending heartbeat request #1",
                    "outbound=hk session=#1 [Heartbeat] Heartbeat sent successfully",
                    "outbound=hk session=#1 [Heartbeat] Received heartbeat response rtt=42ms");
            assertThat(s.isActive()).isTrue();
        }
    }

    @Test
    void closesASilentV2PeerAfterMaxMissedWithinIntervalPlusTimeoutTimesMaxMissed() {
        HeartbeatMonitor monitor = monitor("heartbeat = 30s");
        FakeSession s = session();
        monitor.attach(s);
        Duration first = untilFirstPing(s);                         // black hole from the start: never answers
        long sentAt = scheduler.ticker().nanoTime();

        scheduler.advance(TIMEOUT.minusNanos(1));
        assertThat(s.isActive()).isTrue();
        scheduler.advance(Duration.ofNanos(1));                     // 1st miss at +10 s: probe again at once
        assertThat(s.heartbeat().pings()).isEqualTo(2);
        assertThat(s.isActive()).isTrue();
        scheduler.advance(TIMEOUT);                                 // 2nd miss at +20 s: closed

        assertThat(s.closeReason()).contains(CloseReason.HEARTBEAT_TIMEOUT);
        assertThat(scheduler.ticker().nanoTime() - sentAt).isEqualTo(TIMEOUT.multipliedBy(2).toNanos());
        assertThat(first).isLessThanOrEqualTo(INTERVAL.multipliedBy(6).dividedBy(5));
        assertThat(context.metrics().findCounter("anytls4j.heartbeat.misses").orElseThrow().count()).isEqualTo(2);
        assertThat(scheduler.pendingTasks()).isZero();
        assertThat(monitor.running()).isZero();
    }

    @Test
    void anAnswerClearsTheMissCount() {
        HeartbeatMonitor monitor = monitor("heartbeat = 30s, heartbeat_max_missed = 2");
        FakeSession s = session();
        monitor.attach(s);
        untilFirstPing(s);
        scheduler.advance(TIMEOUT);                                 // miss 1, probe #2 goes out
        s.heartbeat().answerAll(Duration.ofMillis(5));              // answered: count back to 0
        scheduler.advance(INTERVAL);                                // probe #3 at +40 s
        scheduler.advance(TIMEOUT);                                 // miss 1 again, not 2
        assertThat(s.isActive()).isTrue();
        scheduler.advance(TIMEOUT);                                 // miss 2
        assertThat(s.closeReason()).contains(CloseReason.HEARTBEAT_TIMEOUT);
    }

    @Test
    void aV1PeerKeepsReceivingProbesButIsNeverClosedForNotAnswering() {
        HeartbeatMonitor monitor = monitor("heartbeat = 30s");
        FakeSession s = session();
        s.heartbeat().peerAnswers(false);
        monitor.attach(s);
        scheduler.advance(Duration.ofMinutes(10).plus(INTERVAL.dividedBy(5)));
        assertThat(s.isActive()).isTrue();
        assertThat(s.heartbeat().pings()).isEqualTo(20);            // every 30 s, no fast re-probes
        assertThat(context.metrics().findCounter("anytls4j.heartbeat.misses").orElseThrow().count()).isZero();
    }

    @Test
    void aFailedWriteClosesTheSessionWithReasonErrorAndAWarning() {
        try (LogCapture logs = LogCapture.of("org.anytls4j.plugin.heartbeat")) {
            HeartbeatMonitor monitor = monitor("heartbeat = 30s");
            FakeSession s = session();
            s.heartbeat().failWrites(true);
            monitor.attach(s);
            untilFirstPing(s);
            assertThat(s.closeReason()).contains(CloseReason.ERROR);
            assertThat(logs.lines(Level.WARN)).singleElement().asString()
                    .startsWith("outbound=hk session=#1 [Heartbeat] Failed to send heartbeat #1: ")
                    .endsWith("; closing");
            assertThat(scheduler.pendingTasks()).isZero();
        }
    }

    @Test
    void stopsWhenTheSessionClosesAndWhenTheMonitorCloses() {
        HeartbeatMonitor monitor = monitor("heartbeat = 30s");
        FakeSession closing = session();
        FakeSession other = session();
        monitor.attach(closing);
        monitor.attach(other);
        closing.close(CloseReason.PEER_CLOSE);
        assertThat(monitor.running()).isEqualTo(1);
        monitor.close();
        assertThat(monitor.running()).isZero();
        scheduler.advance(Duration.ofMinutes(5));
        assertThat(closing.heartbeat().pings()).isZero();
        assertThat(other.heartbeat().pings()).isZero();
        assertThat(context.metrics().findTimer("anytls4j.heartbeat.rtt")).isEmpty();
    }

    @Test
    void aSessionWithoutTheHeartbeatCapabilityIsLeftAlone() {
        HeartbeatMonitor monitor = monitor("heartbeat = 30s");
        monitor.attach(session().withoutHeartbeat());
        assertThat(monitor.running()).isZero();
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void timeoutDefaultsToTheSmallerOfTheIntervalAndTenSeconds() {
        assertThat(HeartbeatSettings.from(PoolConfigs.outbound("heartbeat = 30s")))
                .isEqualTo(new HeartbeatSettings(INTERVAL, TIMEOUT, 2));
        assertThat(HeartbeatSettings.from(PoolConfigs.outbound("heartbeat = 4s")).timeout())
                .isEqualTo(Duration.ofSeconds(4));
        assertThat(HeartbeatSettings.from(PoolConfigs.outbound("heartbeat = 30s, heartbeat_timeout = 3s")).timeout())
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(HeartbeatSettings.from(PoolConfigs.outbound("{\"heartbeat\": \"0\"}")).interval()).isZero();
    }

    @Test
    void rejectsATimeoutLongerThanTheIntervalAndFewerThanOneMiss() {
        assertThatThrownBy(() -> HeartbeatSettings.from(PoolConfigs.outbound("heartbeat = 10s, heartbeat_timeout = 20s")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("heartbeat_timeout: must be <= heartbeat (10s), was 20s");
        assertThatThrownBy(() -> HeartbeatSettings.from(PoolConfigs.outbound("heartbeat = 10s, heartbeat_max_missed = 0")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("heartbeat_max_missed: must be >= 1, was 0");
        assertThatThrownBy(() -> HeartbeatSettings.from(PoolConfigs.outbound("heartbeat = -1s")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("heartbeat: must be >= 0, was -1s");
    }

    @Test
    void isEnabledByAPositiveInterval() {
        var factory = new HeartbeatMonitorFactory();
        assertThat(factory.enabledBy(PoolConfigs.outbound(""))).isFalse();
        assertThat(factory.enabledBy(PoolConfigs.outbound("heartbeat = 10s"))).isTrue();
        assertThatThrownBy(() -> factory.create(PoolConfigs.outbound(""), context))
                .isInstanceOf(InvalidSettingException.class);
    }
}
