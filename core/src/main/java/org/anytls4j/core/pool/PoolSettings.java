package org.anytls4j.core.pool;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's own keys of one outbound block (documented in {@code anytls4j-pool.conf}), after the clamps of
 * POOL.md section 6. Immutable; read once per outbound when its pool is created.
 *
 * @param checkInterval        {@code idle_session_check_interval}, > 5 s
 * @param idleTimeout          {@code idle_session_timeout}, > 5 s
 * @param maxStreamsPerSession {@code max_streams_per_session}, 1 to 65535
 * @param poolPolicies         {@code pool_policies}, names as written
 * @param backoffInitial       {@code session_create_backoff_initial}, > 0: the shortest wait after a failed creation
 * @param backoffMax           {@code session_create_backoff_max}, >= backoffInitial: the longest
 * @param probation            {@code session_create_probation}, >= 0: a session that closes on its own younger than
 *                             this counts as a failed creation
 * @param policyTimeBudget     {@code policy_time_budget}, > 0: how long one call of a policy's code may run
 * @param policyFailureLimit   {@code policy_failure_limit}, >= 1: consecutive failed calls that disable a policy
 * @param shutdownGrace        {@code shutdown_grace_period}, >= 0: how long open streams may finish on shutdown
 * @param createConcurrency    {@code session_create_concurrency}, >= 0: how many sessions that policies asked for may
 *                             be connecting at once (0: all of them)
 */
public record PoolSettings(Duration checkInterval, Duration idleTimeout, int maxStreamsPerSession,
                           List<String> poolPolicies, Duration backoffInitial, Duration backoffMax,
                           Duration probation, Duration policyTimeBudget, int policyFailureLimit,
                           Duration shutdownGrace, int createConcurrency) {
    public static final String CHECK_INTERVAL = "idle_session_check_interval";
    public static final String IDLE_TIMEOUT = "idle_session_timeout";
    public static final String MAX_STREAMS = "max_streams_per_session";
    public static final String POOL_POLICIES = "pool_policies";
    public static final String BACKOFF_INITIAL = "session_create_backoff_initial";
    public static final String BACKOFF_MAX = "session_create_backoff_max";
    public static final String PROBATION = "session_create_probation";
    public static final String POLICY_TIME_BUDGET = "policy_time_budget";
    public static final String POLICY_FAILURE_LIMIT = "policy_failure_limit";
    public static final String SHUTDOWN_GRACE = "shutdown_grace_period";
    public static final String CREATE_CONCURRENCY = "session_create_concurrency";
    /**
     * Defaults of policy_time_budget, policy_failure_limit and shutdown_grace_period (as anytls4j-pool.conf gives
     * them), for the constructors that predate those keys.
     */
    static final Duration DEFAULT_POLICY_TIME_BUDGET = Duration.ofMillis(100);
    static final int DEFAULT_POLICY_FAILURE_LIMIT = 3;
    static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);
    /** Default of session_create_concurrency, as anytls4j-pool.conf gives it. */
    static final int DEFAULT_CREATE_CONCURRENCY = 64;

    /** Values at or below this are replaced by {@link #CLAMPED} (POOL.md section 6: "<= 5 s, including 0"). */
    static final Duration CLAMP_LIMIT = Duration.ofSeconds(5);
    static final Duration CLAMPED = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(PoolSettings.class);

    public PoolSettings {
        poolPolicies = List.copyOf(poolPolicies);
    }

    /** Settings with the default back-off (1s to 1m) and probation (5s), for tests of other keys. */
    public PoolSettings(Duration checkInterval, Duration idleTimeout, int maxStreamsPerSession,
                        List<String> poolPolicies) {
        this(checkInterval, idleTimeout, maxStreamsPerSession, poolPolicies, Duration.ofSeconds(1),
                Duration.ofMinutes(1), Duration.ofSeconds(5));
    }

    /** Settings with the default policy budget, failure limit, shutdown grace and creation concurrency. */
    public PoolSettings(Duration checkInterval, Duration idleTimeout, int maxStreamsPerSession,
                        List<String> poolPolicies, Duration backoffInitial, Duration backoffMax, Duration probation) {
        this(checkInterval, idleTimeout, maxStreamsPerSession, poolPolicies, backoffInitial, backoffMax, probation,
                DEFAULT_POLICY_TIME_BUDGET, DEFAULT_POLICY_FAILURE_LIMIT, DEFAULT_SHUTDOWN_GRACE,
                DEFAULT_CREATE_CONCURRENCY);
    }

    /**
     * Reads the pool keys of an outbound block that has the defaults applied.
     *
     * @throws InvalidSettingException for a negative duration, a stream limit out of range, a zero initial back-off
     *     or a maximum back-off below the initial one
     */
    public static PoolSettings from(String outboundTag, Config settings) {
        Duration interval = clamped(outboundTag, settings, CHECK_INTERVAL);
        Duration timeout = clamped(outboundTag, settings, IDLE_TIMEOUT);
        int maxStreams = Settings.intInRange(settings, MAX_STREAMS, 1, 65535);
        Duration backoffInitial = Settings.positiveDuration(settings, BACKOFF_INITIAL);
        Duration backoffMax = Settings.positiveDuration(settings, BACKOFF_MAX);
        if (backoffMax.compareTo(backoffInitial) < 0) {
            throw new InvalidSettingException(settings.getValue(BACKOFF_MAX).origin(), BACKOFF_MAX,
                    "must be >= " + BACKOFF_INITIAL + " (" + GoDurations.format(backoffInitial) + "), was "
                            + GoDurations.format(backoffMax));
        }
        Duration probation = Settings.nonNegativeDuration(settings, PROBATION);
        Duration budget = Settings.positiveDuration(settings, POLICY_TIME_BUDGET);
        int failureLimit = Settings.intInRange(settings, POLICY_FAILURE_LIMIT, 1, Integer.MAX_VALUE);
        Duration grace = Settings.nonNegativeDuration(settings, SHUTDOWN_GRACE);
        int createConcurrency = Settings.intInRange(settings, CREATE_CONCURRENCY, 0, Integer.MAX_VALUE);
        return new PoolSettings(interval, timeout, maxStreams, settings.getStringList(POOL_POLICIES), backoffInitial,
                backoffMax, probation, budget, failureLimit, grace, createConcurrency);
    }

    private static Duration clamped(String outboundTag, Config settings, String key) {
        Duration value = Settings.nonNegativeDuration(settings, key);
        if (value.compareTo(CLAMP_LIMIT) <= 0) {
            log.warn("outbound={} {}={} is <= {}; using {} instead (docs/POOL.md, \"{}\")", outboundTag, key,
                    GoDurations.format(value), GoDurations.format(CLAMP_LIMIT), GoDurations.format(CLAMPED), key);
            return CLAMPED;
        }
        return value;
    }
}
