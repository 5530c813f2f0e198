package org.anytls4j.core.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CreationBackoffTest {
    private static final long S = 1_000_000_000L;

    private static CreationBackoff backoff(long seed) {
        return new CreationBackoff(S, 60 * S, new SplittableRandom(seed));
    }

    @Test
    void healthyItLetsEveryAttemptThrough() {
        CreationBackoff backoff = backoff(1);
        assertThat(backoff.backingOff()).isFalse();
        for (int i = 0; i < 10; i++) {
            assertThat(backoff.mayAttempt(0)).isTrue();
            backoff.attempt(0);
        }
        assertThat(backoff.allowedAtNanos()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void roundRWaitsARandomTimeInTheUpperHalfOfInitialTimesTwoToTheRCappedAtTheMaximum() {
        CreationBackoff backoff = backoff(7);
        long now = 0;
        for (int round = 1; round <= 30; round++) {
            long generation = backoff.attempt(now);
            backoff.failed(generation, now, "connection refused");
            long ceiling = Math.min(60 * S, S << Math.min(round, 20));
            long wait = backoff.delayNanos();
            assertThat(wait).as("round %d", round).isBetween(ceiling / 2, ceiling);
            assertThat(wait % 1_000_000).as("whole milliseconds").isZero();
            assertThat(backoff.allowedAtNanos()).isEqualTo(now + wait);
            now += wait;
        }
        assertThat(backoff.failures()).isEqualTo(30);
    }

    @Test
    void whateverTheDrawsAStreakGetsAtMostFourAttemptsInItsFirstTwentySeconds() {
        for (long seed = 0; seed < 2000; seed++) {
            CreationBackoff backoff = backoff(seed);
            long now = 0;
            int attempts = 0;
            backoff.failed(backoff.attempt(now), now, "x");
            while (backoff.allowedAtNanos() <= 20 * S) {
                now = backoff.allowedAtNanos();
                backoff.failed(backoff.attempt(now), now, "x");
                attempts++;
            }
            assertThat(attempts).as("seed %d", seed).isBetween(3, 4);
        }
    }

    @Test
    void theWaitsAreRandomSoClientsDoNotFallIntoStep() {
        Set<Long> firstWaits = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            CreationBackoff backoff = backoff(seed);
            backoff.failed(backoff.attempt(0), 0, "x");
            firstWaits.add(backoff.delayNanos());
        }
        assertThat(firstWaits).hasSizeGreaterThan(15);
    }

    @Test
    void attemptsOfAnEarlierRoundFailingLateDoNotGrowTheWaitAgain() {
        CreationBackoff backoff = backoff(3);
        long[] round = new long[5];
        for (int i = 0; i < 5; i++) {
            round[i] = backoff.attempt(0);
        }
        assertThat(backoff.failed(round[0], 10, "x")).as("starts the streak").isTrue();
        long wait = backoff.delayNanos();
        for (int i = 1; i < 5; i++) {
            assertThat(backoff.failed(round[i], 10, "x")).isFalse();
        }
        assertThat(backoff.failures()).isEqualTo(5);
        assertThat(backoff.delayNanos()).isEqualTo(wait);
        assertThat(backoff.allowedAtNanos()).isEqualTo(10 + wait);
    }

    @Test
    void duringAStreakOneAttemptPerWaitAndASuccessEndsIt() {
        CreationBackoff backoff = backoff(5);
        backoff.failed(backoff.attempt(0), 0, "x");
        long wait = backoff.delayNanos();
        assertThat(backoff.mayAttempt(wait - 1)).isFalse();
        assertThat(backoff.mayAttempt(wait)).isTrue();
        backoff.attempt(wait);
        assertThat(backoff.mayAttempt(wait + 1)).as("the probe took this wait's slot").isFalse();
        assertThat(backoff.mayAttempt(2 * wait)).isTrue();

        assertThat(backoff.succeeded()).isTrue();
        assertThat(backoff.succeeded()).as("only the first success ends the streak").isFalse();
        assertThat(backoff.backingOff()).isFalse();
        assertThat(backoff.mayAttempt(wait + 1)).isTrue();
        assertThat(backoff.delayNanos()).isZero();
    }

    @Test
    void aLateFailureFromBeforeTheStreakEndedStartsANewStreakWithAWait() {
        CreationBackoff backoff = backoff(9);
        backoff.failed(backoff.attempt(0), 0, "x");
        long late = backoff.attempt(backoff.allowedAtNanos());
        backoff.succeeded();
        assertThat(backoff.failed(late, 100 * S, "y")).isTrue();
        assertThat(backoff.delayNanos()).isBetween(S, 2 * S);
        assertThat(backoff.mayAttempt(100 * S)).isFalse();
    }
}
