package com.example.anytls.slowrtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.testkit.FakePolicyContext;
import org.anytls4j.testkit.FakeSession;
import org.anytls4j.testkit.ManualScheduler;
import org.anytls4j.testkit.PoolConfigs;
import org.junit.jupiter.api.Test;

/**
 * The monitor on network-free sessions ({@link FakeSession}) whose heartbeat answers as the test says
 * ({@link org.anytls4j.testkit.FakeHeartbeat}), with time moved by a {@link ManualScheduler}: interval 10 s,
 * threshold 500 ms, 3 probes unless a test sets other keys.
 */
class SlowRttMonitorTest {
    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Duration SLOW = Duration.ofMillis(800);
    private static final Duration FAST = Duration.ofMillis(40);

    private final FakePolicyContext context = FakePolicyContext.create("monitor-slow-rtt");
    private final ManualScheduler scheduler = context.manualScheduler();
    private long nextSeq = 1;

    private SlowRttMonitor monitor(String outboundKeys) {
        return (SlowRttMonitor) new SlowRttMonitorFactory().create(PoolConfigs.outbound(outboundKeys), context);
    }

    private FakeSession attached(SlowRttMonitor monitor) {
        FakeSession session = new FakeSession(nextSeq++, scheduler.ticker().nanoTime(), scheduler);
        monitor.attach(session);
        return session;
    }

    /** Moves to the next probe and answers it with {@code rtt}. */
    private void probeAnswered(FakeSession session, Duration rtt) {
        int before = session.heartbeat().pings();
        scheduler.advance(INTERVAL);
        assertThat(session.heartbeat().pings()).isEqualTo(before + 1);
        assertThat(session.heartbeat().answerAll(rtt)).isEqualTo(1);
    }

    @Test
    void closesASessionAfterThreeSlowProbesInARow() {
        FakeSession session = attached(monitor(""));
        session.heartbeat().autoAnswer(SLOW);

        scheduler.advance(INTERVAL.multipliedBy(3).minusNanos(1));
        assertThat(session.isActive()).isTrue();
        assertThat(session.heartbeat().pings()).isEqualTo(2);

        scheduler.advance(Duration.ofNanos(1));
        assertThat(session.closeReason()).contains(SlowRttMonitor.SLOW_RTT);
        assertThat(session.heartbeat().pings()).isEqualTo(3);
    }

    @Test
    void aFastProbeStartsTheCountAgain() {
        FakeSession session = attached(monitor(""));

        probeAnswered(session, SLOW);
        probeAnswered(session, SLOW);
        probeAnswered(session, FAST);
        probeAnswered(session, SLOW);
        probeAnswered(session, SLOW);
        assertThat(session.isActive()).isTrue();

        probeAnswered(session, SLOW);
        assertThat(session.closeReason()).contains(SlowRttMonitor.SLOW_RTT);
    }

    @Test
    void anRttAtTheThresholdIsNotSlow() {
        FakeSession session = attached(monitor("slow_rtt_probes = 1"));
        session.heartbeat().autoAnswer(Duration.ofMillis(500));

        scheduler.advance(INTERVAL.multipliedBy(5));

        assertThat(session.isActive()).isTrue();
        assertThat(session.heartbeat().pings()).isEqualTo(5);
    }

    @Test
    void aProbeStillUnansweredWhenTheNextIsDueIsSlowAndItsLateAnswerIsNotCountedTwice() {
        FakeSession session = attached(monitor("slow_rtt_probes = 2"));

        scheduler.advance(INTERVAL);                    // probe 1 goes out, no answer
        scheduler.advance(INTERVAL);                    // probe 1 judged slow (1 of 2), probe 2 goes out
        assertThat(session.heartbeat().pings()).isEqualTo(2);
        assertThat(session.heartbeat().answerAll(FAST)).isEqualTo(2); // probe 1's late answer is ignored
        assertThat(session.isActive()).isTrue();

        scheduler.advance(INTERVAL);                    // probe 3; probe 2 was fast: the count is 0 again
        scheduler.advance(INTERVAL);                    // probe 3 unanswered: 1 of 2
        scheduler.advance(INTERVAL);                    // probe 4 unanswered: 2 of 2
        assertThat(session.closeReason()).contains(SlowRttMonitor.SLOW_RTT);
    }

    @Test
    void aPeerNotKnownToAnswerIsNeverClosedForMissingAnswers() {
        FakeSession session = attached(monitor("slow_rtt_probes = 1"));
        session.heartbeat().peerAnswers(false);

        scheduler.advance(INTERVAL.multipliedBy(10));

        assertThat(session.isActive()).isTrue();
        assertThat(session.heartbeat().pings()).isEqualTo(10);
    }

    @Test
    void aFailedProbeIsNotJudged() {
        FakeSession session = attached(monitor("slow_rtt_probes = 1"));
        session.heartbeat().failWrites(true);

        scheduler.advance(INTERVAL.multipliedBy(4));

        assertThat(session.isActive()).isTrue();
    }

    @Test
    void aTransportWithoutHeartbeatIsLeftAlone() {
        SlowRttMonitor monitor = monitor("");
        FakeSession session = new FakeSession(1, 0, scheduler).withoutHeartbeat();

        monitor.attach(session);
        scheduler.advance(INTERVAL.multipliedBy(10));

        assertThat(monitor.watching()).isZero();
        assertThat(scheduler.pendingTasks()).isZero();
        assertThat(session.isActive()).isTrue();
    }

    @Test
    void stopsProbingWhenTheSessionClosesOrTheMonitorCloses() {
        SlowRttMonitor monitor = monitor("");
        FakeSession closing = attached(monitor);
        FakeSession staying = attached(monitor);
        assertThat(monitor.watching()).isEqualTo(2);

        closing.close(org.anytls4j.api.CloseReason.PEER_CLOSE);
        assertThat(monitor.watching()).isEqualTo(1);
        monitor.close();
        scheduler.advance(INTERVAL.multipliedBy(3));

        assertThat(monitor.watching()).isZero();
        assertThat(scheduler.pendingTasks()).isZero();
        assertThat(closing.heartbeat().pings()).isZero();
        assertThat(staying.heartbeat().pings()).isZero();
    }

    @Test
    void defaultsComeFromTheReferenceConf() {
        assertThat(SlowRttSettings.from(PoolConfigs.outbound("")))
                .isEqualTo(new SlowRttSettings(INTERVAL, Duration.ofMillis(500), 3));
    }

    @Test
    void aThresholdNotBelowTheIntervalIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> monitor("slow_rtt_interval = 2s, slow_rtt_threshold = 2s"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("slow_rtt_threshold: must be below slow_rtt_interval (2s), was 2s");
        assertThatThrownBy(() -> monitor("slow_rtt_probes = 0"))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("slow_rtt_probes: must be >= 1, was 0");
    }
}
