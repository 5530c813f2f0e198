package org.anytls4j.api;

import java.time.Duration;

/**
 * Formats durations as Go's {@code time.Duration.String()} does ({@code 30s}, {@code 5m0s}, {@code 1h5m30.5s},
 * {@code 12.5ms}), so that log lines read exactly like those of the Go implementations operators already grep
 * (POOL.md section 8.8).
 *
 * <h2>Threading</h2>
 * Stateless and thread-safe.
 */
@Stable
public final class GoDurations {
    private GoDurations() {
    }

    /** Go's text for {@code duration}; a negative duration gets a leading {@code -}. */
    public static String format(Duration duration) {
        return format(duration.toNanos());
    }

    /** Go's text for a duration of {@code nanos} nanoseconds: {@code 0s}, {@code 750ns}, {@code 1.5µs}, {@code 6m0s}. */
    public static String format(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        if (nanos == Long.MIN_VALUE) {
            return "-2562047h47m16.854775808s";
        }
        if (nanos < 0) {
            return "-" + format(-nanos);
        }
        if (nanos < 1_000L) {
            return nanos + "ns";
        }
        if (nanos < 1_000_000L) {
            return fraction(nanos, 1_000L) + "µs";
        }
        if (nanos < 1_000_000_000L) {
            return fraction(nanos, 1_000_000L) + "ms";
        }
        long hours = nanos / 3_600_000_000_000L;
        long minutes = nanos / 60_000_000_000L % 60;
        String seconds = fraction(nanos % 60_000_000_000L, 1_000_000_000L) + "s";
        if (hours > 0) {
            return hours + "h" + minutes + "m" + seconds;
        }
        if (minutes > 0) {
            return minutes + "m" + seconds;
        }
        return seconds;
    }

    /** {@code value / unit} in decimal, without trailing zeros after the point. */
    private static String fraction(long value, long unit) {
        long whole = value / unit;
        long rest = value % unit;
        if (rest == 0) {
            return Long.toString(whole);
        }
        int digits = Long.toString(unit).length() - 1;
        String decimals = String.format("%0" + digits + "d", rest).replaceAll("0+$", "");
        return whole + "." + decimals;
    }
}
