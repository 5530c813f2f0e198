package org.anytls4j.transport.anytls.server;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.anytls4j.api.Ticker;

/**
 * Logs an event a remote peer can trigger at will (a refused stream, a failed authentication, a protocol
 * violation) at most once per period per cause, with the count of events since the last line: the first event of
 * a cause is logged at once (count 1), later ones within the period are counted, and when the period ends a line
 * reports their count (written with the last event's details). A flood therefore costs one line per period and
 * cause, whatever its rate and however many peers take part; each event is also counted in a meter.
 *
 * <p>Usage: {@code log.event("refused-stream", (count, period) -> LOG.info("... {} streams ... in the last {}",
 * count, period))}; the callback runs only when a line is due, so building its arguments costs nothing otherwise.
 *
 * <h2>Threading</h2>
 * Thread-safe (a short lock per cause, never held while logging); a line is written on the thread of the event
 * that is due, or on the injected {@link Scheduler}'s thread at the end of a period. Time comes from the injected
 * {@link Ticker}.
 */
public final class RateLimitedLog {
    /** What a due line is written with: the number of events since the last line, and the period. */
    @FunctionalInterface
    public interface Line {
        void log(long count, String period);
    }

    /** Runs a task after a delay (the host's scheduler; tests run it by hand). */
    @FunctionalInterface
    public interface Scheduler {
        void schedule(Runnable task, long delayNanos);
    }

    /** The period the server uses. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(10);

    private final Ticker ticker;
    private final Scheduler scheduler;
    private final long periodNanos;
    private final String periodText;
    private final ConcurrentMap<String, Cause> causes = new ConcurrentHashMap<>();

    public RateLimitedLog(Ticker ticker, Duration period, Scheduler scheduler) {
        this.ticker = requireNonNull(ticker, "ticker");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be > 0, was " + period);
        }
        this.periodNanos = period.toNanos();
        this.periodText = period.toSeconds() * 1_000_000_000L == periodNanos ? period.toSeconds() + "s"
                : period.toMillis() + "ms";
    }

    /**
     * Counts one event of {@code cause}; calls {@code line} now when a line is due, or keeps it for the line at the
     * end of the period.
     */
    public void event(String cause, Line line) {
        Cause c = causes.computeIfAbsent(cause, k -> new Cause());
        long n = 0;
        long flushIn = -1;
        synchronized (c) {
            c.count++;
            long now = ticker.nanoTime();
            if (c.logged && now - c.lastLogNanos < periodNanos) {
                c.pending = line;
                if (!c.flushScheduled) {
                    c.flushScheduled = true;
                    flushIn = c.lastLogNanos + periodNanos - now;
                }
            } else {
                n = c.count;
                c.count = 0;
                c.pending = null;
                c.logged = true;
                c.lastLogNanos = now;
            }
        }
        if (n > 0) {
            line.log(n, periodText);
        } else if (flushIn >= 0) {
            scheduler.schedule(() -> flush(c), flushIn);
        }
    }

    /** The end of a period with events counted and not logged: one line with their count. */
    private void flush(Cause c) {
        long n;
        Line line;
        synchronized (c) {
            c.flushScheduled = false;
            if (c.count == 0 || c.pending == null) {
                return;
            }
            n = c.count;
            line = c.pending;
            c.count = 0;
            c.pending = null;
            c.lastLogNanos = ticker.nanoTime();
        }
        line.log(n, periodText);
    }

    /** One cause's state. Guarded by itself. */
    private static final class Cause {
        long count;
        boolean logged;
        long lastLogNanos;
        Line pending;
        boolean flushScheduled;
    }
}
