package org.anytls4j.plugin.heartbeat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.api.outbound.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keep-alive state machine of one session, shaped like gRPC's {@code KeepAliveManager}: it decides when to
 * probe and when the peer is dead; the session's {@link Heartbeat} capability (the "pinger") sends the probe.
 *
 * <p>Timeline: the first probe goes out {@code interval + jitter} after {@link #start}, then one every
 * {@code interval} after the previous one. Each probe expects its answer within {@code timeout}
 * ({@code <= interval}). An answer records the round-trip time and clears the miss count. A missing answer from
 * a peer that answers probes ({@link Heartbeat#peerAnswers()}) counts as a miss and the next probe goes out at
 * once; after {@code maxMissed} consecutive misses the session is closed with reason {@code heartbeat-timeout}.
 * A v1 peer, which never answers, keeps receiving probes on the regular interval and is never closed for it. A
 * probe that cannot be written closes the session with reason {@code error}.
 *
 * <h2>Threading</h2>
 * Every transition runs on the session's {@link Session#executor()} (its event loop): timers are scheduled there
 * and the probe's answer completes there ({@link Heartbeat}'s contract). Only {@link #stop()} may be called from
 * any thread; it cancels the timers.
 *
 * <h2>Lifecycle</h2>
 * Started once by {@link HeartbeatMonitor#attach}; stops for good when the session closes, when it closes the
 * session, or when the monitor shuts down.
 */
final class SessionHeartbeat {
    /** One state of the machine. */
    enum State {
        /** Waiting for the next probe time; no probe is outstanding. */
        PING_SCHEDULED,
        /** A probe is out; waiting for its answer or its deadline. */
        PING_SENT,
        /** The session closed or the monitor shut down; nothing more happens. */
        STOPPED
    }

    private static final Logger log = LoggerFactory.getLogger(SessionHeartbeat.class);

    private final String outboundTag;
    private final Session session;
    private final Heartbeat pinger;
    private final HeartbeatSettings settings;
    private final ScheduledExecutorService executor;
    private final Timer rtt;
    private final Counter misses;
    private final Runnable onStop;

    private volatile State state = State.PING_SCHEDULED;
    private ScheduledFuture<?> nextPing;
    private ScheduledFuture<?> deadline;
    /** Number of the outstanding (or last) probe; answers to older probes do not change the state. */
    private long probe;
    private int missed;

    SessionHeartbeat(String outboundTag, Session session, Heartbeat pinger, HeartbeatSettings settings, Timer rtt,
                     Counter misses, Runnable onStop) {
        this.outboundTag = outboundTag;
        this.session = session;
        this.pinger = pinger;
        this.settings = settings;
        this.executor = session.executor();
        this.rtt = rtt;
        this.misses = misses;
        this.onStop = onStop;
    }

    /** Schedules the first probe {@code firstDelayNanos} from now and stops when the session closes. */
    void start(long firstDelayNanos) {
        log.debug("outbound={} session=#{} [Heartbeat] Starting heartbeat loop with {} interval (jitter: {})",
                outboundTag, session.seq(), GoDurations.format(settings.interval()),
                GoDurations.format(firstDelayNanos - settings.interval().toNanos()));
        nextPing = executor.schedule(this::ping, firstDelayNanos, TimeUnit.NANOSECONDS);
        session.closeFuture().whenComplete((reason, failure) -> stop());
    }

    State state() {
        return state;
    }

    private void ping() {
        if (state == State.STOPPED) {
            return;
        }
        if (!session.isActive()) {
            stop();
            return;
        }
        long number = ++probe;
        state = State.PING_SENT;
        log.debug("outbound={} session=#{} [Heartbeat] Sending heartbeat request #{}", outboundTag, session.seq(),
                number);
        CompletionStage<Long> answer;
        try {
            answer = pinger.ping();
        } catch (RuntimeException e) {
            writeFailed(number, e);
            return;
        }
        if (answer.toCompletableFuture().isCompletedExceptionally()) {
            answer.whenComplete((rttNanos, failure) -> writeFailed(number, failure));
            return;
        }
        // The probe is in the transport's hands: written, or queued behind a pre-created session's Settings,
        // which the probe flushes.
        log.debug("outbound={} session=#{} [Heartbeat] Heartbeat sent successfully", outboundTag, session.seq());
        deadline = executor.schedule(() -> deadlinePassed(number), settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
        nextPing = executor.schedule(this::ping, settings.interval().toNanos(), TimeUnit.NANOSECONDS);
        answer.whenComplete((rttNanos, failure) -> {
            if (failure != null) {
                writeFailed(number, failure);
            } else {
                answered(number, rttNanos);
            }
        });
    }

    private void answered(long number, long rttNanos) {
        if (state == State.STOPPED) {
            return;
        }
        rtt.record(rttNanos, TimeUnit.NANOSECONDS);
        missed = 0;
        if (number == probe && state == State.PING_SENT) {
            state = State.PING_SCHEDULED;
            cancel(deadline);
        }
        log.debug("outbound={} session=#{} [Heartbeat] Received heartbeat response rtt={}", outboundTag, session.seq(),
                GoDurations.format(rttNanos));
    }

    private void deadlinePassed(long number) {
        if (state != State.PING_SENT || number != probe) {
            return;
        }
        state = State.PING_SCHEDULED;
        if (!pinger.peerAnswers()) {
            log.trace("outbound={} session=#{} [Heartbeat] no response expected: the peer does not answer "
                    + "heartbeats (protocol v1)", outboundTag, session.seq());
            return;
        }
        missed++;
        misses.increment();
        if (missed >= settings.maxMissed()) {
            log.warn("outbound={} session=#{} heartbeat timeout after {}; {} responses missed; closing", outboundTag,
                    session.seq(), GoDurations.format(settings.timeout()), missed);
            stop();
            session.close(CloseReason.HEARTBEAT_TIMEOUT);
            return;
        }
        log.debug("outbound={} session=#{} [Heartbeat] No heartbeat response within {} (missed {}/{}); probing again",
                outboundTag, session.seq(), GoDurations.format(settings.timeout()), missed, settings.maxMissed());
        cancel(nextPing);
        try {
            nextPing = executor.schedule(this::ping, 0, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            stop();
        }
    }

    private void writeFailed(long number, Throwable failure) {
        if (state == State.STOPPED || !session.isActive()) {
            stop();
            return;
        }
        log.warn("outbound={} session=#{} [Heartbeat] Failed to send heartbeat #{}: {}; closing", outboundTag,
                session.seq(), number, String.valueOf(failure));
        stop();
        session.close(CloseReason.ERROR);
    }

    /** Stops for good: cancels the timers. Any thread; idempotent. */
    void stop() {
        if (state == State.STOPPED) {
            return;
        }
        state = State.STOPPED;
        cancel(nextPing);
        cancel(deadline);
        log.trace("outbound={} session=#{} [Heartbeat] Stopped after {} heartbeats", outboundTag, session.seq(), probe);
        onStop.run();
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
