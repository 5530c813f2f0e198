package org.anytls4j.plugin.heartbeat;

import io.netty.channel.Channel;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Destination;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.testkit.FakeHeartbeat;
import org.anytls4j.testkit.FakeSession;

/**
 * A {@link FakeSession} that also plays the session's read side, as a real transport does: {@link #receive()}
 * stamps {@link #lastReadNanos()} (an answered probe does too, as a HeartResponse is a read), and
 * {@link #pauseReads()} / {@link #resumeReads()} play local back-pressure, accounted on the ticker.
 *
 * <h2>Threading</h2>
 * Single-threaded tests driven through a {@link org.anytls4j.testkit.ManualScheduler}.
 */
final class ReadingSession implements Session {
    private final FakeSession fake;
    private final Ticker ticker;
    private final Heartbeat heartbeat;
    private long lastReadNanos = Long.MIN_VALUE;
    private long pausedSinceNanos = Long.MIN_VALUE;
    private long endedPausesNanos;

    ReadingSession(FakeSession fake, Ticker ticker) {
        this.fake = fake;
        this.ticker = ticker;
        FakeHeartbeat inner = fake.heartbeat();
        this.heartbeat = new Heartbeat() {
            @Override
            public CompletionStage<Long> ping() {
                return inner.ping().whenComplete((rtt, failure) -> {
                    if (failure == null) {
                        receive();
                    }
                });
            }

            @Override
            public boolean peerAnswers() {
                return inner.peerAnswers();
            }
        };
    }

    /** The fake behind, to script probes' answers. */
    FakeHeartbeat probes() {
        return fake.heartbeat();
    }

    /** Something (any frame) arrived from the peer now. */
    ReadingSession receive() {
        lastReadNanos = ticker.nanoTime();
        return this;
    }

    ReadingSession pauseReads() {
        if (pausedSinceNanos == Long.MIN_VALUE) {
            pausedSinceNanos = ticker.nanoTime();
        }
        return this;
    }

    ReadingSession resumeReads() {
        if (pausedSinceNanos != Long.MIN_VALUE) {
            endedPausesNanos += ticker.nanoTime() - pausedSinceNanos;
            pausedSinceNanos = Long.MIN_VALUE;
        }
        return this;
    }

    Optional<CloseReason> closeReason() {
        return fake.closeReason();
    }

    @Override
    public long lastReadNanos() {
        return lastReadNanos;
    }

    @Override
    public boolean readsPaused() {
        return pausedSinceNanos != Long.MIN_VALUE;
    }

    @Override
    public long readsPausedNanos() {
        return endedPausesNanos + (readsPaused() ? ticker.nanoTime() - pausedSinceNanos : 0);
    }

    @Override
    public long seq() {
        return fake.seq();
    }

    @Override
    public long createdNanos() {
        return fake.createdNanos();
    }

    @Override
    public int openStreams() {
        return fake.openStreams();
    }

    @Override
    public int peerVersion() {
        return fake.peerVersion();
    }

    @Override
    public boolean isActive() {
        return fake.isActive();
    }

    @Override
    public ScheduledExecutorService executor() {
        return fake.executor();
    }

    @Override
    public CompletionStage<Channel> openStream(Destination destination) {
        return fake.openStream(destination);
    }

    @Override
    public void close(CloseReason reason) {
        fake.close(reason);
    }

    @Override
    public CompletionStage<CloseReason> closeFuture() {
        return fake.closeFuture();
    }

    @Override
    public <T> Optional<T> capability(Class<T> type) {
        return type == Heartbeat.class ? Optional.of(type.cast(heartbeat)) : Optional.empty();
    }
}
