package org.anytls4j.api.pool;

import java.time.Duration;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.Stable;

/** What a pool policy or session monitor gets beyond the plugin context: the pool it serves. */
@Stable
public interface PolicyContext extends PluginContext {
    /** The outbound whose pool this is; put it on every log line as {@code outbound=<tag>}. */
    String outboundTag();

    /** {@code idle_session_check_interval}, after the clamp (values <= 5 s become 30 s). */
    Duration checkInterval();

    /** {@code idle_session_timeout}, after the clamp (values <= 5 s become 30 s). */
    Duration idleTimeout();

    /**
     * A source of randomness for jitter. Tests inject a seeded one; production uses a
     * {@link java.security.SecureRandom}-seeded generator. Not thread-safe: use it only from the calling thread
     * of {@code evaluate} or of a monitor's session executor.
     */
    java.util.random.RandomGenerator random();

    /**
     * The pool as it is now, for gauges that must be current between maintenance runs (e.g. how far the pool is
     * from a target). Thread-safe; it may briefly wait for the pool's state. Never call it from
     * {@link PoolPolicy#evaluate} or {@link PoolPolicy#mayHandOut} (use the snapshot given there). Empty from a
     * host that does not offer it.
     *
     * @since 1.2.0
     */
    default java.util.Optional<PoolSnapshot> currentPool() {
        return java.util.Optional.empty();
    }
}
