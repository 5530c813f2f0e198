package org.anytls4j.api.metrics;

import java.util.function.DoubleSupplier;
import org.anytls4j.api.Stable;

/**
 * A plugin's meters, by name and tags, without any metrics library in its signatures: the host backs it with its
 * own registry (Micrometer, published at {@code /metrics} in the Prometheus format), the testkit with one that
 * tests read back. Names are dotted and start with {@code anytls4j.} ({@code anytls4j.heartbeat.rtt}); the host
 * renders them in its exposition format ({@code anytls4j_heartbeat_rtt_seconds}).
 *
 * <p>Tags are given as key/value pairs ({@code "outbound", "hk"}); an odd number of strings is an
 * {@link IllegalArgumentException}. Asking twice for a meter with the same name and tags returns the same meter.
 * A meter stays published until its {@link Meter#remove()}: a policy or monitor removes its meters in its
 * {@code close()}.
 *
 * <h2>Threading</h2>
 * Every method of this interface and of its meters is thread-safe and quick (no I/O); a gauge's supplier is
 * called on the host's thread when the meters are read, so it must be thread-safe and quick too.
 *
 * @since 2.0.0
 */
@Stable
public interface Metrics {
    /** A counter that only goes up, e.g. probes missed. */
    Counter counter(String name, String description, String... tags);

    /** Durations of events, e.g. round-trip times: count, total and maximum. */
    Timer timer(String name, String description, String... tags);

    /** A value read when the meters are read, e.g. how far a pool is from its target. */
    Gauge gauge(String name, String description, DoubleSupplier value, String... tags);

    /** What every meter has: its identity and its removal. */
    interface Meter {
        /** The name it was registered with. */
        String name();

        /** Stops publishing this meter; later updates of it are dropped. Idempotent. */
        void remove();
    }

    /** A monotonically increasing count. */
    interface Counter extends Meter {
        /** Adds {@code amount} (>= 0). */
        void increment(double amount);

        /** Adds one. */
        default void increment() {
            increment(1);
        }

        /** The count so far. */
        double count();
    }

    /** Durations of events. */
    interface Timer extends Meter {
        /** Records one event that took {@code nanos} nanoseconds (>= 0). */
        void recordNanos(long nanos);

        /** Events recorded so far. */
        long count();

        /** The sum of the recorded durations, in nanoseconds. */
        long totalNanos();
    }

    /** A value sampled when read. */
    interface Gauge extends Meter {
        /** The supplier's current value. */
        double value();
    }
}
