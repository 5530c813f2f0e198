package org.anytls4j.testkit;

import static org.anytls4j.testkit.PoolSnapshots.busy;
import static org.anytls4j.testkit.PoolSnapshots.failing;
import static org.anytls4j.testkit.PoolSnapshots.idle;
import static org.anytls4j.testkit.PoolSnapshots.minutes;
import static org.anytls4j.testkit.PoolSnapshots.seconds;
import static org.anytls4j.testkit.PoolSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.api.outbound.StreamRefusedException;
import org.anytls4j.api.pool.PooledSession;
import org.junit.jupiter.api.Test;

/** The testkit's fakes behave as their documentation says (ManualScheduler has its own test). */
class TestkitTest {
    private final FakeTicker ticker = new FakeTicker();
    private final ManualScheduler scheduler = new ManualScheduler(ticker);

    @Test
    void aFakeTickerMovesOnlyForwardAndOnlyWhenTold() {
        assertThat(ticker.nanoTime()).isZero();
        ticker.advance(Duration.ofSeconds(3));
        assertThat(ticker.elapsed()).isEqualTo(Duration.ofSeconds(3));
        ticker.setNanos(seconds(5));
        assertThat(ticker.nanoTime()).isEqualTo(seconds(5));
        assertThatThrownBy(() -> ticker.setNanos(seconds(4))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ticker.advance(Duration.ofNanos(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void snapshotsSortSessionsNewestFirstAndSplitIdleFromBusy() {
        var pool = snapshot(2, idle(3, 0, 50), busy(9, 10), idle(7, 0, 10));

        assertThat(pool.outboundTag()).isEqualTo("hk");
        assertThat(pool.idle()).extracting(PooledSession::seq).containsExactly(7L, 3L);
        assertThat(pool.busy()).extracting(PooledSession::seq).containsExactly(9L);
        assertThat(pool.creating()).isEqualTo(2);
        assertThat(pool.idle().get(1).createdNanos()).isZero();
        assertThat(pool.idle().get(0).idleSinceNanos()).isEqualTo(seconds(10));
        assertThat(minutes(2)).isEqualTo(seconds(120));

        var failed = failing(pool, 3, seconds(40));
        assertThat(failed.creationFailures()).isEqualTo(3);
        assertThat(failed.idle()).isEqualTo(pool.idle());
    }

    @Test
    void poolConfigsAppliesTheDefaultsOfEveryPolicyAndMonitorOnTheClassPath() {
        var block = PoolConfigs.outbound("sample_cap = 2");

        assertThat(block.getInt("sample_cap")).isEqualTo(2);
        assertThat(block.getDuration("probe_interval")).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aFakePolicyContextRunsOnItsManualSchedulerAndFakeClock() {
        FakePolicyContext context = FakePolicyContext.create("my-plugin");
        int[] ran = new int[1];
        context.scheduler().schedule(() -> ran[0]++, 5, TimeUnit.SECONDS);

        context.manualScheduler().advance(Duration.ofSeconds(5));

        assertThat(ran[0]).isEqualTo(1);
        assertThat(context.ticker().nanoTime()).isEqualTo(seconds(5));
        assertThat(context.outboundTag()).isEqualTo("hk");
        assertThat(context.loggerName()).isEqualTo("org.anytls4j.plugin.my-plugin");
        assertThat(context.withIntervals(Duration.ofSeconds(6), Duration.ofMinutes(1)).checkInterval())
                .isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void aFakeSessionOpensRefusesAndClosesStreamsAsScripted() throws Exception {
        FakeSession session = new FakeSession(4, 0, scheduler);
        Destination where = new Destination("example.com", 443);

        Channel stream = session.openStream(where).toCompletableFuture().get();
        assertThat(session.openStreams()).isEqualTo(1);
        assertThat(session.destinations()).containsExactly(where);

        session.refuseNextStream("no");
        assertThatThrownBy(() -> session.openStream(where).toCompletableFuture().get())
                .hasCauseInstanceOf(StreamRefusedException.class);

        session.close(CloseReason.PEER_CLOSE);
        assertThat(session.isActive()).isFalse();
        assertThat(session.closeReason()).contains(CloseReason.PEER_CLOSE);
        assertThat(stream.isOpen()).isFalse();
        assertThatThrownBy(() -> session.openStream(where).toCompletableFuture().get())
                .hasCauseInstanceOf(IOException.class);
    }

    @Test
    void aFakeHeartbeatAnswersWhenTheTestSaysWithTheRoundTripTimeItGives() throws Exception {
        FakeSession session = new FakeSession(1, 0, scheduler);
        Heartbeat heartbeat = session.capability(Heartbeat.class).orElseThrow();

        CompletionStage<Long> pending = heartbeat.ping();
        assertThat(session.heartbeat().pendingPings()).isEqualTo(1);
        assertThat(session.heartbeat().answerAll(Duration.ofMillis(30))).isEqualTo(1);
        assertThat(pending.toCompletableFuture().get()).isEqualTo(Duration.ofMillis(30).toNanos());

        session.heartbeat().autoAnswer(Duration.ofMillis(5));
        assertThat(heartbeat.ping().toCompletableFuture().get()).isEqualTo(Duration.ofMillis(5).toNanos());
        assertThat(session.heartbeat().pings()).isEqualTo(2);

        session.heartbeat().autoAnswer(null);
        CompletableFuture<Long> cut = heartbeat.ping().toCompletableFuture();
        session.close(CloseReason.ERROR);
        assertThatThrownBy(cut::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);

        assertThat(new FakeSession(2, 0, scheduler).withoutHeartbeat().capability(Heartbeat.class)).isEmpty();
    }

    @Test
    void fakeMetricsAreReadBackByNameAndTagsUntilRemoved() {
        FakeMetrics metrics = new FakeMetrics();
        var misses = metrics.counter("anytls4j.test.misses", "Missed probes", "outbound", "hk", "kind", "a");
        misses.increment();
        metrics.counter("anytls4j.test.misses", "Missed probes", "outbound", "hk", "kind", "a").increment(2);
        metrics.timer("anytls4j.test.rtt", "Round-trip time", "outbound", "hk").recordNanos(5);
        var deficit = metrics.gauge("anytls4j.test.deficit", "Deficit", () -> 7, "outbound", "hk");

        assertThat(metrics.findCounter("anytls4j.test.misses", "outbound", "hk").orElseThrow().count()).isEqualTo(3);
        assertThat(metrics.findCounter("anytls4j.test.misses", "outbound", "sg")).isEmpty();
        assertThat(metrics.findTimer("anytls4j.test.rtt").orElseThrow().totalNanos()).isEqualTo(5);
        assertThat(metrics.findGauge("anytls4j.test.deficit").orElseThrow().value()).isEqualTo(7);
        assertThat(metrics.findCounter("anytls4j.test.rtt")).isEmpty();
        assertThatThrownBy(() -> metrics.timer("anytls4j.test.deficit", "x", "outbound", "hk"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> misses.increment(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> metrics.counter("anytls4j.test.odd", "x", "outbound"))
                .isInstanceOf(IllegalArgumentException.class);

        deficit.remove();
        assertThat(metrics.findGauge("anytls4j.test.deficit")).isEmpty();
    }
}
