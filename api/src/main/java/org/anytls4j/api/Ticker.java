package org.anytls4j.api;

/**
 * A monotonic time source in nanoseconds. Timed code reads time only through a ticker handed to it, never
 * from {@link System#nanoTime()} directly, so tests can drive it with a fake clock.
 *
 * <p>Values are meaningful only as differences between two readings of the same ticker.
 */
@Stable
@FunctionalInterface
public interface Ticker {
    /** The system ticker, backed by {@link System#nanoTime()}. */
    Ticker SYSTEM = System::nanoTime;

    /** The current reading, in nanoseconds. */
    long nanoTime();
}
