package com.example.anytls.slowrtt;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.monitor.MonitoredSession;
import org.anytls4j.api.monitor.SessionMonitor;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.api.pool.PolicyContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code slow_rtt} monitor of one outbound: every {@code slow_rtt_interval} it sends each session one probe
 * through the transport's {@link Heartbeat} capability and judges it once: slow when answered after more than
 * {@code slow_rtt_threshold}, or still unanswered when the next probe is due (judged only when
 * {@link Heartbeat#peerAnswers()}, as the API asks). After {@code slow_rtt_probes} slow probes in a row the session
 * is closed with reason {@code slow-rtt}; one probe that is not slow starts the count again. A probe that fails
 * (the session is closing) is not judged. Sessions without the capability are left alone.
 *
 * <h2>Threading and lifecycle</h2>
 * {@link #attach} may be called from any thread. Each session's probes run on its
 * {@link MonitoredSession#executor()} and its answers arrive there too; a session's state is guarded by its own lock.
 * A session's timer stops when the session closes, and {@link #close()} stops every timer still running.
 */
final class SlowRttMonitor implements SessionMonitor {
    /** The reason in the pool's log line: {@code closed reason=slow-rtt}. */
    static final CloseReason SLOW_RTT = CloseReason.of("slow-rtt");

    private final SlowRttSettings settings;
    private final String outbound;
    private final Ticker ticker;
    private final Logger log;
    private final Set<Watch> running = ConcurrentHashMap.newKeySet();

    SlowRttMonitor(SlowRttSettings settings, PolicyContext context) {
        this.settings = settings;
        this.outbound = context.outboundTag();
        this.ticker = context.ticker();
        this.log = LoggerFactory.getLogger(context.loggerName());
    }

    @Override
    public void attach(MonitoredSession session) {
        Optional<Heartbeat> heartbeat = session.capability(Heartbeat.class);
        if (heartbeat.isEmpty()) {
            log.debug("outbound={} session=#{} [slow_rtt] the transport offers no heartbeat; not monitored",
                    outbound, session.seq());
            return;
        }
        Watch watch = new Watch(session, heartbeat.get());
        running.add(watch);
        watch.start();
        session.closeFuture().whenComplete((reason, failure) -> watch.stop());
    }

    /** Sessions being watched, for tests. */
    int watching() {
        return running.size();
    }

    @Override
    public void close() {
        running.forEach(Watch::stop);
    }

    /** One session's probes: at most one probe in flight is judged at a time. */
    private final class Watch {
        private final MonitoredSession session;
        private final Heartbeat heartbeat;
        private ScheduledFuture<?> timer;
        private long probe; // number of the probe in flight, 0 before the first
        private boolean judged = true; // whether the probe in flight was judged already
        private long sentNanos;
        private int slowInARow;
        private boolean stopped;

        Watch(MonitoredSession session, Heartbeat heartbeat) {
            this.session = session;
            this.heartbeat = heartbeat;
        }

        synchronized void start() {
            long interval = settings.interval().toNanos();
            timer = session.executor().scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.NANOSECONDS);
        }

        synchronized void stop() {
            if (!stopped) {
                stopped = true;
                if (timer != null) {
                    timer.cancel(false);
                }
                running.remove(this);
            }
        }

        private void tick() {
            long number = -1;
            long evictAfterNanos = -1;
            synchronized (this) {
                if (stopped || !session.isActive()) {
                    return;
                }
                if (!judged) {
                    judged = true;
                    long waited = ticker.nanoTime() - sentNanos;
                    if (heartbeat.peerAnswers() && slow(waited, "unanswered")) {
                        evictAfterNanos = waited;
                    }
                }
                if (evictAfterNanos < 0) {
                    number = ++probe;
                    judged = false;
                    sentNanos = ticker.nanoTime();
                }
            }
            if (evictAfterNanos >= 0) {
                evict(evictAfterNanos);
                return;
            }
            long sent = number;
            heartbeat.ping().whenComplete((rttNanos, failure) -> answered(sent, rttNanos, failure));
        }

        private void answered(long number, Long rttNanos, Throwable failure) {
            synchronized (this) {
                if (stopped || number != probe || judged) {
                    return; // a later probe went out, or this one was already judged as unanswered
                }
                judged = true;
                if (failure != null) {
                    return;
                }
                if (rttNanos <= settings.threshold().toNanos()) {
                    if (slowInARow > 0) {
                        log.debug("outbound={} session=#{} [slow_rtt] rtt={}ms back under the threshold after {}"
                                + " slow probes", outbound, session.seq(), millis(rttNanos), slowInARow);
                    }
                    slowInARow = 0;
                    return;
                }
                if (!slow(rttNanos, "answered")) {
                    return;
                }
            }
            evict(rttNanos);
        }

        /** Counts one slow probe (under the lock); at the limit stops the watch and returns true. */
        private boolean slow(long rttNanos, String how) {
            slowInARow++;
            log.debug("outbound={} session=#{} [slow_rtt] probe {} rtt>={}ms, {} of {} in a row", outbound,
                    session.seq(), how, millis(rttNanos), slowInARow, settings.probes());
            if (slowInARow < settings.probes()) {
                return false;
            }
            stop();
            return true;
        }

        /** Closes the session, outside the lock: its close listeners may run here. */
        private void evict(long lastRttNanos) {
            log.info("outbound={} session=#{} [slow_rtt] closing: round-trip time above {}ms for {} probes in a row"
                    + " (last {}ms)", outbound, session.seq(), settings.threshold().toMillis(), settings.probes(),
                    millis(lastRttNanos));
            session.close(SLOW_RTT);
        }

        private long millis(long nanos) {
            return TimeUnit.NANOSECONDS.toMillis(nanos);
        }
    }
}
