package org.anytls4j.core.pool;

import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The back-off of one outbound's session creations, shared by every creator (demand, policies, replacements): a
 * failure streak and the time before which no creation may start. Exponential with jitter: the wait of round
 * {@code r} is drawn uniformly from the upper half of {@code min(max, initial * 2^r)}, i.e. 1-2 s, 2-4 s, 4-8 s, ...
 * up to 30-60 s with the defaults ("equal jitter" in the AWS Architecture Blog's "Exponential Backoff And Jitter").
 * Full jitter ({@code [0, ceiling]}) and decorrelated jitter can draw short waits many times in a row: simulated,
 * decorrelated jitter let a wrong password through 11 to 18 times in 20 s for one seed in five. The upper half
 * guarantees the growth (at most 4 attempts in the first 20 s of a streak, whatever the draws) and still spreads the
 * clients of one server over a factor of two, so they do not fall into step.
 *
 * <h2>Rounds</h2>
 * Attempts are stamped with the generation in force when they started. The wait grows once per round: when the
 * first failure of a streak is seen, or when an attempt started under the current generation fails. Attempts of an
 * earlier round that fail later (five creations started together all failing) count as failures but do not grow
 * the wait again: one round of attempts is one piece of evidence. During a streak each attempt moves the earliest
 * next attempt one wait ahead, so at most one creation starts per wait, whatever its outcome.
 *
 * <h2>Threading</h2>
 * Not thread-safe: the pool calls it in its serial context only. Pure: time is passed in, randomness injected.
 */
final class CreationBackoff {
    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    private final long initialNanos;
    private final long maxNanos;
    private final RandomGenerator random;

    private int failures;
    /** Rounds of growth in the current streak. */
    private int rounds;
    private long generation;
    private long delayNanos;
    private long allowedAtNanos = Long.MIN_VALUE;
    private long streakStartNanos;
    private long lastFailureNanos;
    private String lastFailure = "";

    CreationBackoff(long initialNanos, long maxNanos, RandomGenerator random) {
        if (initialNanos <= 0 || maxNanos < initialNanos) {
            throw new IllegalArgumentException("need 0 < initial <= max, were " + initialNanos + " and " + maxNanos);
        }
        this.initialNanos = initialNanos;
        this.maxNanos = maxNanos;
        this.random = random;
    }

    /** True from a failure until a session proves itself. */
    boolean backingOff() {
        return failures > 0;
    }

    /** Changes at each round of failures and at a success; what {@link #attempt} returned then. */
    long generation() {
        return generation;
    }

    /** Whether a creation may start at {@code nowNanos}. */
    boolean mayAttempt(long nowNanos) {
        return nowNanos >= allowedAtNanos;
    }

    /**
     * Records the start of a creation, which the caller has checked with {@link #mayAttempt}; during a streak the
     * next one may start one wait later.
     *
     * @return the generation to hand back to {@link #failed} if it fails
     */
    long attempt(long nowNanos) {
        if (failures > 0) {
            allowedAtNanos = nowNanos + delayNanos;
        }
        return generation;
    }

    /**
     * Records a failed creation.
     *
     * @param attemptGeneration what {@link #attempt} returned for it
     * @return true when this failure started a streak (the caller warns once per streak)
     */
    boolean failed(long attemptGeneration, long nowNanos, String description) {
        failures++;
        lastFailure = description;
        lastFailureNanos = nowNanos;
        boolean started = failures == 1;
        if (started) {
            streakStartNanos = nowNanos;
        }
        if (started || attemptGeneration == generation) {
            generation++;
            rounds++;
            delayNanos = delay(rounds);
            allowedAtNanos = nowNanos + delayNanos;
        }
        return started;
    }

    /**
     * A session proved itself: the streak, if any, ends and creations are free again.
     *
     * @return true when this ended a streak (the caller logs the recovery)
     */
    boolean succeeded() {
        if (failures == 0) {
            return false;
        }
        failures = 0;
        rounds = 0;
        generation++;
        delayNanos = 0;
        allowedAtNanos = Long.MIN_VALUE;
        return true;
    }

    /** A wait drawn from the upper half of round {@code round}'s ceiling, {@code min(max, initial * 2^round)}. */
    private long delay(int round) {
        long ceiling = round >= 62 || initialNanos > (maxNanos >> Math.min(round, 62)) ? maxNanos
                : Math.min(maxNanos, initialNanos << round);
        long floor = Math.max(initialNanos, ceiling / 2);
        long drawn = floor < ceiling ? random.nextLong(floor, ceiling + 1) : ceiling;
        long rounded = drawn - drawn % MILLI;            // whole milliseconds, so log lines read "2.345s"
        return Math.max(floor, rounded);
    }

    /** Consecutive failures in the current streak, 0 when none. */
    int failures() {
        return failures;
    }

    /** The current wait between attempts, 0 when not backing off. */
    long delayNanos() {
        return delayNanos;
    }

    /** The earliest time of the next creation, {@link Long#MIN_VALUE} when not backing off. */
    long allowedAtNanos() {
        return allowedAtNanos;
    }

    long streakStartNanos() {
        return streakStartNanos;
    }

    long lastFailureNanos() {
        return lastFailureNanos;
    }

    String lastFailure() {
        return lastFailure;
    }
}
