package org.anytls4j.testkit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.anytls4j.api.Ticker;

/**
 * A {@link Ticker} that moves only when a test says so. Starts at 0 unless given another reading, so that "time
 * zero" in a test is the moment the fixture was built.
 *
 * <h2>Threading</h2>
 * Thread-safe (an atomic); tests normally drive it from one thread, usually through {@link ManualScheduler#advance}.
 */
public final class FakeTicker implements Ticker {
    private final AtomicLong nanos;

    public FakeTicker() {
        this(0);
    }

    public FakeTicker(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    /** Moves the clock forward without running anything; prefer {@link ManualScheduler#advance} when timers exist. */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a ticker never goes back, was " + duration);
        }
        nanos.addAndGet(duration.toNanos());
    }

    /** Sets the reading; it must not go back. */
    public void setNanos(long value) {
        nanos.getAndUpdate(current -> {
            if (value < current) {
                throw new IllegalArgumentException("a ticker never goes back: " + value + " < " + current);
            }
            return value;
        });
    }

    /** The reading as a duration since 0, handy in assertions. */
    public Duration elapsed() {
        return Duration.ofNanos(nanos.get());
    }
}
