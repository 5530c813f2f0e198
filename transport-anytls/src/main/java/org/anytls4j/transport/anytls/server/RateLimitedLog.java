package org.anytls4j.transport.anytls.server;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.anytls4j.api.Ticker;

/**
 * Logs an event a remote peer can trigger at will (a refused stream, a failed authentication, a protocol
 * violation) at most once per period per cause, with the count of events since the last line: the first event of
 * a cause is logged at once (count 1), later ones are counted, and the next event after the period has passed
 * logs the count so far. A flood therefore costs one line per period and cause, whatever its rate. Counts not yet
 * logged when events stop are not lost to operators: every such event is also counted in a meter.
 *
 * <p>Usage: {@code log.event("refused-stream", (count, period) -> LOG.info("... {} streams ... in the last {}",
 * count, period))}; the callback runs only when a line is due, so building its arguments costs nothing otherwise.
 *
 * <h2>Threading</h2>
 * Thread-safe (a short lock per cause, never held while logging); the callback runs on the calling thread, at
 * most once per period per cause even when threads race. Time comes from the injected {@link Ticker}.
 */
public final class RateLimitedLog {
    /** What a due line is written with: the number of events since the last line, and the period. */
    @FunctionalInterface
    public interface Line {
        void log(long count, String period);
    }

    /** The period the server uses. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(10);

    private final Ticker ticker;
    private final long periodNanos;
    private final String periodText;
    private final ConcurrentMap<String, Cause> causes = new ConcurrentHashMap<>();

    public RateLimitedLog(Ticker ticker, Duration period) {
        this.ticker = requireNonNull(ticker, "ticker");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be > 0, was " + period);
        }
        this.periodNanos = period.toNanos();
        this.periodText = period.toSeconds() * 1_000_000_000L == periodNanos ? period.toSeconds() + "s"
                : period.toMillis() + "ms";
    }

    /** Counts one event of {@code cause}; calls {@code line} when a line is due. */
    public void event(String cause, Line line) {
        Cause c = causes.computeIfAbsent(cause, k -> new Cause());
        long n;
        synchronized (c) {
            c.count++;
            long now = ticker.nanoTime();
            if (c.logged && now - c.lastLogNanos < periodNanos) {
                return;
            }
            n = c.count;
            c.count = 0;
            c.logged = true;
            c.lastLogNanos = now;
        }
        line.log(n, periodText);
    }

    /** One cause's state. Guarded by itself. */
    private static final class Cause {
        long count;
        boolean logged;
        long lastLogNanos;
    }
}
