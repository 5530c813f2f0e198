package org.anytls4j.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;

/**
 * Formats durations as Go's {@code time.Duration.String()} does ({@code 30s}, {@code 5m0s}, {@code 1h5m31s},
 * {@code 12.5ms}), so that log lines read like those of the Go implementations operators already grep
 * (POOL.md section 8.8), rounded for humans ({@link #format(long)}; {@link #exact(long)} keeps every digit), and
 * parses them as Go's {@code time.ParseDuration} does ({@code 1m30s}, {@code 5m0s},
 * {@code 1.5h}, {@code 300ms}), so that durations copied from sing-box or Go tools read the same here.
 *
 * <h2>Threading</h2>
 * Stateless and thread-safe.
 */
@Stable
public final class GoDurations {
    private GoDurations() {
    }

    /** Go's text for {@code duration}, rounded for humans as {@link #format(long)} does. */
    public static String format(Duration duration) {
        return format(duration.toNanos());
    }

    /**
     * Go's text for a duration of {@code nanos} nanoseconds rounded for humans (half up): to the second from an hour
     * ({@code 1h5m31s}), to 100 ms from a minute ({@code 5m29.7s}, not {@code 5m29.712345678s}), to the millisecond
     * from a second ({@code 2.346s}), to the microsecond from a millisecond ({@code 12.346ms}); below that exact
     * ({@code 750ns}, {@code 1.5µs}). What log lines and messages print; a negative duration gets a leading
     * {@code -}.
     */
    public static String format(long nanos) {
        if (nanos == Long.MIN_VALUE) {
            return exact(nanos);
        }
        long abs = Math.abs(nanos);
        long unit = abs >= 3_600_000_000_000L ? 1_000_000_000L
                : abs >= 60_000_000_000L ? 100_000_000L
                : abs >= 1_000_000_000L ? 1_000_000L
                : abs >= 1_000_000L ? 1_000L
                : 1L;
        long rounded = Math.min(Long.MAX_VALUE / unit, (abs + unit / 2) / unit) * unit;
        return exact(nanos < 0 ? -rounded : rounded);
    }

    /**
     * @since 2.0.0
     * @return Go's text for {@code duration} with every digit, as Go's {@code String()} writes it
     */
    public static String exact(Duration duration) {
        return exact(duration.toNanos());
    }

    /**
     * Go's text for a duration of {@code nanos} nanoseconds with every digit: {@code 0s}, {@code 750ns},
     * {@code 1.5µs}, {@code 6m0s}, {@code 1.000000001s}; {@link #parse} reads it back unchanged.
     *
     * @since 2.0.0
     */
    public static String exact(long nanos) {
        if (nanos == 0) {
            return "0s";
        }
        if (nanos == Long.MIN_VALUE) {
            return "-2562047h47m16.854775808s";
        }
        if (nanos < 0) {
            return "-" + exact(-nanos);
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

    /**
     * Parses a duration as Go's {@code time.ParseDuration}: an optional sign, then one or more decimal numbers
     * each followed by a unit ({@code ns}, {@code us}, {@code µs}, {@code ms}, {@code s}, {@code m}, {@code h}),
     * e.g. {@code 1m30s}, {@code -1.5h}, {@code 2h45m}, {@code 300ms}; {@code 0} alone is zero. Fractions below a
     * nanosecond are dropped, as Go does.
     *
     * @throws IllegalArgumentException naming what is wrong, e.g. a missing unit or an unknown one
     */
    public static Duration parse(String text) {
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("invalid duration '" + text + "': empty");
        }
        int i = 0;
        boolean negative = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            negative = s.charAt(0) == '-';
            i++;
        }
        if (s.substring(i).equals("0")) {
            return Duration.ZERO;
        }
        if (i == s.length()) {
            throw new IllegalArgumentException("invalid duration '" + text + "': no number");
        }
        BigInteger total = BigInteger.ZERO;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String number = s.substring(start, i);
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
                throw new IllegalArgumentException("invalid duration '" + text + "': expected a number at '"
                        + s.substring(start) + "'");
            }
            int unitStart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            String unit = s.substring(unitStart, i);
            long unitNanos = switch (unit) {
                case "ns" -> 1L;
                case "us", "\u00b5s", "\u03bcs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                case "" -> throw new IllegalArgumentException("invalid duration '" + text + "': missing unit after "
                        + number + " (ns, us, ms, s, m, h)");
                default -> throw new IllegalArgumentException("invalid duration '" + text + "': unknown unit '"
                        + unit + "' (ns, us, ms, s, m, h)");
            };
            total = total.add(new BigDecimal(number.startsWith(".") ? "0" + number : number)
                    .multiply(BigDecimal.valueOf(unitNanos)).toBigInteger());
        }
        if (total.bitLength() > 63) {
            throw new IllegalArgumentException("invalid duration '" + text + "': out of range");
        }
        long nanos = total.longValueExact();
        return Duration.ofNanos(negative ? -nanos : nanos);
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
