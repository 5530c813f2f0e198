package org.anytls4j.plugin.heartbeat;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.metrics.Metrics;
import org.anytls4j.api.monitor.MonitoredSession;
import org.anytls4j.api.outbound.Heartbeat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keep-alive state machine of one session, shaped like gRPC's {@code KeepAliveManager}: <b>any read is proof
 * of life</b> (POOL.md section 8.7, "This project"). It decides when to probe and when the peer is dead; the
 * session's {@link Heartbeat} capability (the "pinger") sends the probe, and the session tells when it last read
 * anything ({@link MonitoredSession#lastReadNanos()}) and whether local back-pressure held its reads off
 * ({@link MonitoredSession#readsPaused()}, {@link MonitoredSession#readsPausedNanos()}).
 *
 * <h2>Timeline</h2>
 * <ul>
 *   <li>A probe goes out only after {@code interval} with nothing received and no probe sent: the first one at
 *   the earliest {@code interval + jitter} after {@link #start}; whenever the timer finds that something was read
 *   meanwhile, it re-arms for {@code interval} after that read. A busy session that keeps receiving is never
 *   probed.</li>
 *   <li>After a probe, the session is alive if anything at all arrived within {@code timeout} (the HeartResponse
 *   or any other frame); the answer itself also records the round-trip time. Otherwise it is a <em>miss</em>,
 *   and the next probe goes out at once; after {@code maxMissed} consecutive misses the session is closed with
 *   reason {@code heartbeat-timeout}, about {@code interval + timeout * maxMissed} after it went silent.</li>
 *   <li>Time during which the session's reads were paused by local back-pressure never counts: the answer may sit
 *   unread behind data a slow local reader has not taken. A window in which reads were paused at any moment gives
 *   no verdict (neither alive nor a miss), and no probe goes out while reads are paused; the timer re-arms.</li>
 *   <li>A peer that is not known to answer probes ({@link Heartbeat#peerAnswers()} false: a v1 server, before any
 *   session of the outbound proved otherwise) keeps receiving them on the regular interval and is never closed
 *   for not answering.</li>
 *   <li>A probe that cannot be written closes the session with reason {@code error}.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Every transition runs on the session's {@link MonitoredSession#executor()} (its event loop): timers are scheduled
 * there and the probe's answer completes there ({@link Heartbeat}'s contract). Only {@link #stop()} may be called from
 * any thread; it cancels the timer.
 *
 * <h2>Lifecycle</h2>
 * Started once by {@link HeartbeatMonitor#attach}; stops for good when the session closes, when it closes the
 * session, or when the monitor shuts down.
 */
final class SessionHeartbeat {
    /** One state of the machine. */
    enum State {
        /** Waiting until the session has been silent for the interval; no probe is outstanding. */
        IDLE,
        /** A probe is out; waiting for its deadline (or its answer). */
        PING_SENT,
        /** The session closed or the monitor shut down; nothing more happens. */
        STOPPED
    }

    private static final Logger log = LoggerFactory.getLogger(SessionHeartbeat.class);

    private final String outboundTag;
    private final MonitoredSession session;
    private final Heartbeat pinger;
    private final HeartbeatSettings settings;
    private final ScheduledExecutorService executor;
    private final Ticker ticker;
    private final Metrics.Timer rtt;
    private final Metrics.Counter misses;
    private final Runnable onStop;
    private final long intervalNanos;

    private volatile State state = State.IDLE;
    /** The one running timer: the next look at the session (IDLE) or the probe's deadline (PING_SENT). */
    private volatile ScheduledFuture<?> timer;
    private long startedNanos;
    /** Number of the outstanding (or last) probe; answers to older probes do not change the state. */
    private long probe;
    private long probeSentNanos = Long.MIN_VALUE;
    /** {@link MonitoredSession#readsPausedNanos()} when the outstanding probe went out. */
    private long pausedAtProbeNanos;
    private int missed;
    /** The last answered probe's round trip, -1 before the first answer. */
    private long lastRttNanos = -1;

    SessionHeartbeat(String outboundTag, MonitoredSession session, Heartbeat pinger, HeartbeatSettings settings,
                     Ticker ticker, Metrics.Timer rtt, Metrics.Counter misses, Runnable onStop) {
        this.outboundTag = outboundTag;
        this.session = session;
        this.pinger = pinger;
        this.settings = settings;
        this.executor = session.executor();
        this.ticker = ticker;
        this.rtt = rtt;
        this.misses = misses;
        this.onStop = onStop;
        this.intervalNanos = settings.interval().toNanos();
    }

    /** Looks at the session first {@code firstDelayNanos} from now and stops when the session closes. */
    void start(long firstDelayNanos) {
        log.debug("outbound={} session=#{} [Heartbeat] Starting heartbeat loop with {} interval (jitter: {})",
                outboundTag, session.seq(), GoDurations.format(settings.interval()),
                GoDurations.format(firstDelayNanos - intervalNanos));
        startedNanos = ticker.nanoTime();
        schedule(this::due, firstDelayNanos);
        session.closeFuture().whenComplete((reason, failure) -> stop());
    }

    State state() {
        return state;
    }

    /** The IDLE timer fired: probe if the session has been silent for the interval, else re-arm. */
    private void due() {
        if (state != State.IDLE) {
            return;
        }
        if (!session.isActive()) {
            stop();
            return;
        }
        if (session.readsPaused()) {
            log.debug("outbound={} session=#{} [Heartbeat] reads paused by local back-pressure; not probing",
                    outboundTag, session.seq());
            schedule(this::due, intervalNanos);
            return;
        }
        long wait = quietSinceNanos() + intervalNanos - ticker.nanoTime();
        if (wait > 0) {
            schedule(this::due, wait); // something was read meanwhile: proof of life, look again later
            return;
        }
        sendProbe();
    }

    /** The later of: the last read, the last probe, the start. */
    private long quietSinceNanos() {
        long since = startedNanos;
        long lastRead = session.lastReadNanos();
        if (lastRead != Long.MIN_VALUE && lastRead - since > 0) {
            since = lastRead;
        }
        if (probeSentNanos != Long.MIN_VALUE && probeSentNanos - since > 0) {
            since = probeSentNanos;
        }
        return since;
    }

    private void sendProbe() {
        long number = ++probe;
        state = State.PING_SENT;
        probeSentNanos = ticker.nanoTime();
        pausedAtProbeNanos = session.readsPausedNanos();
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
        schedule(() -> deadlinePassed(number), settings.timeout().toNanos());
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
        rtt.recordNanos(rttNanos);
        missed = 0;
        lastRttNanos = rttNanos;
        publish();
        log.debug("outbound={} session=#{} [Heartbeat] Received heartbeat response rtt={}", outboundTag, session.seq(),
                GoDurations.format(rttNanos));
        if (number == probe && state == State.PING_SENT) {
            state = State.IDLE;
            scheduleDue();
        }
    }

    private void deadlinePassed(long number) {
        if (state != State.PING_SENT || number != probe) {
            return;
        }
        state = State.IDLE;
        String timeout = GoDurations.format(settings.timeout());
        long lastRead = session.lastReadNanos();
        if (lastRead != Long.MIN_VALUE && lastRead - probeSentNanos >= 0) {
            missed = 0;
            publish();
            log.debug("outbound={} session=#{} [Heartbeat] No heartbeat response within {}, but data arrived: alive",
                    outboundTag, session.seq(), timeout);
            scheduleDue();
            return;
        }
        if (session.readsPaused() || session.readsPausedNanos() != pausedAtProbeNanos) {
            log.debug("outbound={} session=#{} [Heartbeat] No heartbeat response within {} while reads were paused "
                    + "by local back-pressure; not counted", outboundTag, session.seq(), timeout);
            scheduleDue();
            return;
        }
        if (!pinger.peerAnswers()) {
            log.trace("outbound={} session=#{} [Heartbeat] no response expected: the peer does not answer "
                    + "heartbeats (protocol v1)", outboundTag, session.seq());
            scheduleDue();
            return;
        }
        missed++;
        misses.increment();
        publish();
        if (missed >= settings.maxMissed()) {
            log.warn("outbound={} session=#{} heartbeat timeout after {}; {} responses missed; closing", outboundTag,
                    session.seq(), timeout, missed);
            stop();
            session.close(CloseReason.HEARTBEAT_TIMEOUT);
            return;
        }
        log.debug("outbound={} session=#{} [Heartbeat] No heartbeat response within {} (missed {}/{}); probing again",
                outboundTag, session.seq(), timeout, missed, settings.maxMissed());
        schedule(this::probeAgain, 0);
    }

    /** Tells the session what this monitor saw (last RTT, misses in a row), for {@code /pool}. */
    private void publish() {
        pinger.observed(Heartbeat.Observation.of(lastRttNanos, missed, settings.maxMissed()));
    }

    /** After a miss: the next probe goes out at once, unless reads got paused meanwhile. */
    private void probeAgain() {
        if (state != State.IDLE) {
            return;
        }
        if (!session.isActive()) {
            stop();
            return;
        }
        if (session.readsPaused()) {
            due();
            return;
        }
        sendProbe();
    }

    /** Arms the IDLE timer for the moment the session will have been silent for the interval. */
    private void scheduleDue() {
        schedule(this::due, Math.max(0, quietSinceNanos() + intervalNanos - ticker.nanoTime()));
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

    private void schedule(Runnable task, long delayNanos) {
        cancel(timer);
        try {
            ScheduledFuture<?> next = executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            timer = next;
            if (state == State.STOPPED) {
                cancel(next); // stopped from another thread meanwhile
            }
        } catch (RejectedExecutionException e) {
            stop(); // the session's event loop is shutting down
        }
    }

    /** Stops for good: cancels the timer. Any thread; idempotent. */
    void stop() {
        if (state == State.STOPPED) {
            return;
        }
        state = State.STOPPED;
        cancel(timer);
        log.trace("outbound={} session=#{} [Heartbeat] Stopped after {} heartbeats", outboundTag, session.seq(), probe);
        onStop.run();
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
