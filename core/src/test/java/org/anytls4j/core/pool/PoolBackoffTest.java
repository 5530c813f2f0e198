package org.anytls4j.core.pool;

import static org.anytls4j.core.testing.PoolHarness.DESTINATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.netty.channel.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.pool.CreationBackoffException;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.core.admin.CreationInfo;
import org.anytls4j.core.testing.LogCapture;
import org.anytls4j.core.testing.PoolHarness;
import org.anytls4j.testkit.FakeSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pool's creation back-off (issue 8): what counts as a failed creation, that every creator waits, the fast
 * failure of demand, the proof that ends a streak, its log lines and meters. Fake time throughout.
 */
class PoolBackoffTest {
    private static final String WRONG_PASSWORD = "server closed the session right after authentication: wrong "
            + "password or not an AnyTLS server";
    private PoolHarness harness;

    private PoolHarness pool(String hocon, ScriptedPolicy... policies) {
        harness = PoolHarness.of(hocon, List.of(policies), List.of());
        return harness;
    }

    @AfterEach
    void closePool() {
        if (harness != null) {
            harness.close();
        }
    }

    /** Sessions the server closes right after the connect, without a frame: a wrong password. */
    private static void refusePassword(PoolHarness h) {
        h.connector.customize(s -> {
            s.silent();
            h.scheduler.execute(() -> s.close(CloseReason.PEER_CLOSE));
        });
    }

    private static CreationBackoffException fastFailure(PoolHarness h) {
        CompletableFuture<Channel> open = h.pool.open(DESTINATION, null).toCompletableFuture();
        assertThat(open).as("fails at once").isCompletedExceptionally();
        try {
            open.join();
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(CreationBackoffException.class);
            return (CreationBackoffException) e.getCause();
        }
        throw new AssertionError("open did not fail");
    }

    private static long seconds(double s) {
        return (long) (s * 1e9);
    }

    @Test
    void aSessionTheServerClosesRightAfterTheConnectIsAFailedCreationNotASuccess() {
        try (LogCapture logs = LogCapture.of("org.anytls4j.core.pool")) {
            ScriptedPolicy probe = new ScriptedPolicy("probe", 400, true);
            PoolHarness h = pool("", probe).start();
            refusePassword(h);
            CompletableFuture<Channel> open = h.pool.open(DESTINATION, null).toCompletableFuture();
            h.scheduler.runDueTasks();                                 // the server closes it

            assertThat(h.connector.attempts()).isEqualTo(1);
            PoolSnapshot pool = h.pool.snapshot();
            assertThat(pool.creationFailures()).isEqualTo(1);
            assertThat(pool.lastFailure()).isEqualTo(WRONG_PASSWORD);
            long allowedAt = pool.createAllowedAtNanos();
            assertThat(allowedAt).isBetween(seconds(1), seconds(2));
            assertThat(h.meter("anytls4j.pool.sessions.create.failures", "reason", "demand", "cause",
                    "closed-unheard")).isEqualTo(1);
            assertThat(h.meter("anytls4j.pool.sessions.create.attempts", "reason", "demand")).isEqualTo(1);
            assertThat(h.meter("anytls4j.pool.sessions.create.consecutive.failures")).isEqualTo(1);
            assertThat(h.meter("anytls4j.pool.sessions.create.backoff")).isEqualTo(allowedAt / 1e9);
            assertThat(h.registry.getMeters()).as("HELP text of every pool meter (Prometheus)")
                    .allSatisfy(m -> assertThat(m.getId().getDescription()).as(m.getId().getName()).isNotBlank());
            assertThat(open).isDone();

            // The close did not run the policies at once (that was the storm); they run when creating may resume.
            h.advance(Duration.ofMillis(500));
            assertThat(probe.evaluatedAt).containsExactly(0L);
            h.advanceTo(Duration.ofNanos(allowedAt));
            assertThat(probe.evaluatedAt).containsExactly(0L, allowedAt);

            // One WARN for the streak, stating the wait really applied.
            assertThat(logs.lines(Level.WARN)).containsExactly("outbound=hk session=#1 Failed to create session: "
                    + WRONG_PASSWORD + "; backing off: next attempt in "
                    + org.anytls4j.api.GoDurations.format(allowedAt) + " (the wait grows up to 1m0s while creations "
                    + "keep failing)");
        }
    }

    @Test
    void whileBackingOffAStreamThatNeedsANewSessionFailsAtOnceWithTheLastFailureInWords() {
        PoolHarness h = pool("").start();
        refusePassword(h);
        h.pool.open(DESTINATION, null);
        h.scheduler.runDueTasks();
        long allowedAt = h.pool.snapshot().createAllowedAtNanos();

        assertThat(PoolHarness.join(h.pool.creation())).contains(new CreationInfo(1, Duration.ofNanos(allowedAt),
                Duration.ofNanos(allowedAt), WRONG_PASSWORD));
        CreationBackoffException failure = fastFailure(h);
        assertThat(failure).hasMessage(WRONG_PASSWORD + " (1 failure in a row; next attempt in "
                + org.anytls4j.api.GoDurations.format(allowedAt) + ")");
        assertThat(failure.consecutiveFailures()).isEqualTo(1);
        assertThat(failure.lastFailure()).isEqualTo(WRONG_PASSWORD);
        assertThat(failure.retryIn()).isEqualTo(Duration.ofNanos(allowedAt));
        assertThat(h.connector.attempts()).as("no connect while backing off").isEqualTo(1);

        // Once the wait is over one stream goes through as the probe; the one after it fails fast again.
        h.advanceTo(Duration.ofNanos(allowedAt));
        CompletableFuture<Channel> probe = h.pool.open(DESTINATION, null).toCompletableFuture();
        assertThat(h.connector.attempts()).isEqualTo(2);
        CreationBackoffException next = fastFailure(h);
        assertThat(next.getMessage()).startsWith(WRONG_PASSWORD + " (1 failure in a row; next attempt in ");
        h.scheduler.runDueTasks();
        assertThat(probe.join().isActive()).as("the probe's stream died with its session").isFalse();
        assertThat(h.pool.snapshot().creationFailures()).isEqualTo(2);
        assertThat(fastFailure(h)).hasMessageStartingWith(WRONG_PASSWORD + " (2 failures in a row; next attempt in ");
    }

    @Test
    void anIdleSessionIsStillHandedOutWhileBackingOff() {
        PoolHarness h = pool("").start();
        h.open().close();
        h.advance(Duration.ofSeconds(6));
        h.connector.failAll(new IOException("connection refused"));
        h.open();                                                   // session 1 busy, a connect for the second fails
        assertThatThrownBy(() -> h.open()).hasMessageContaining("connection refused");
        assertThat(fastFailure(h)).hasMessageStartingWith("connection refused (1 failure in a row; next attempt in ");
        h.connector.session(1).streams().get(0).close();
        assertThat(h.open()).isNotNull();                           // the idle session 1 needs no creation
    }

    @Test
    void duringAStreakEveryCreatorGetsOneCreationPerWaitAndAProvenSessionEndsTheStreakAtOnce() {
        try (LogCapture logs = LogCapture.of("org.anytls4j.core.pool")) {
            ScriptedPolicy filler = new ScriptedPolicy("filler", 400, true)
                    .deciding((pool, now) -> {
                        int missing = 3 - pool.idle().size() - pool.creating("filler");
                        return missing > 0 ? Decision.of(List.of(PoolAction.create(missing, "filler")))
                                : Decision.nothing();
                    });
            PoolHarness h = pool("", filler);
            h.connector.failAll(new IOException("connection refused"));
            h.start();
            assertThat(h.connector.attempts()).isEqualTo(3);             // the first round: nothing known yet
            assertThat(h.pool.snapshot().creationFailures()).isEqualTo(3);

            h.connector.failAll(null);
            long allowedAt = h.pool.snapshot().createAllowedAtNanos();
            h.advanceTo(Duration.ofNanos(allowedAt));
            assertThat(h.connector.attempts()).as("one probe, not the whole deficit").isEqualTo(4);
            assertThat(h.idleSeqs()).containsExactly(1L);
            assertThat(h.pool.snapshot().creating("filler")).isZero();

            // The probe connected but has not proved itself: the streak goes on until its probation ends...
            h.advanceTo(Duration.ofNanos(allowedAt + seconds(5) - 1));
            assertThat(h.pool.snapshot().creationFailures()).isEqualTo(3);
            assertThat(logs.lines(Level.INFO)).noneMatch(line -> line.contains("works again"));
            // ...and then it ends at that moment, and the policies fill the pool right away.
            h.advanceTo(Duration.ofNanos(allowedAt + seconds(5)));
            assertThat(logs.lines(Level.INFO)).contains("outbound=hk session=#1 Creating sessions works again "
                    + "(after 3 failed creations in " + org.anytls4j.api.GoDurations.format(allowedAt + seconds(5))
                    + ")");
            h.advance(Duration.ofMillis(1));
            assertThat(h.idleSeqs()).containsExactly(3L, 2L, 1L);
            assertThat(h.meter("anytls4j.pool.sessions.create.backoff")).isZero();
            assertThat(h.meter("anytls4j.pool.sessions.create.consecutive.failures")).isZero();
            assertThat(PoolHarness.join(h.pool.creation())).isEmpty();
            assertThat(h.meter("anytls4j.pool.sessions.create.failures", "reason", "filler", "cause", "connect"))
                    .isEqualTo(3);
            assertThat(logs.lines(Level.WARN)).hasSize(1);
        }
    }

    @Test
    void anOnDemandSessionThatProvesItselfBringsThePoliciesRetryForward() {
        // A polite filler: it creates nothing while a failure streak lasts.
        ScriptedPolicy filler = new ScriptedPolicy("filler", 400, true)
                .deciding((pool, now) -> pool.creationFailures() == 0 && pool.idle().size() < 2
                        && pool.creating("filler") == 0
                        ? Decision.of(List.of(PoolAction.create(2 - pool.idle().size(), "filler")))
                        : Decision.nothing());
        PoolHarness h = pool("", filler);
        h.connector.failAll(new IOException("connection refused"));
        h.start();
        h.connector.failAll(null);
        long allowedAt = h.pool.snapshot().createAllowedAtNanos();
        h.advanceTo(Duration.ofNanos(allowedAt));
        h.open().close();                                           // a demand probe: session 1
        int runs = filler.evaluatedAt.size();

        h.advanceTo(Duration.ofNanos(allowedAt + seconds(5)));      // session 1 proves itself: the streak ends
        assertThat(filler.evaluatedAt.subList(runs, filler.evaluatedAt.size())).containsExactly(allowedAt + seconds(5));
        assertThat(h.idleSeqs()).containsExactly(2L, 1L);
    }

    @Test
    void aSessionThatNeverHeardFromTheServerNeverProvesItselfAndItsCloseIsAFailureAtAnyAge() {
        PoolHarness h = pool("idle_session_timeout = 1h").start();
        h.connector.customize(FakeSession::silent);
        h.open().close();
        h.advance(Duration.ofMinutes(2));
        h.connector.session(1).close(CloseReason.PEER_CLOSE);
        PoolSnapshot pool = h.pool.snapshot();
        assertThat(pool.creationFailures()).isEqualTo(1);
        assertThat(pool.lastFailure()).isEqualTo("server closed the session 2m0s after it was made without sending "
                + "anything: wrong password, or a server that closes unused sessions");
    }

    @Test
    void aSessionThatHeardButDiedYoungIsAFailureAndOneThatOutlivedItsProbationIsNot() {
        PoolHarness h = pool("").start();
        h.open().close();
        h.advance(Duration.ofSeconds(2));
        h.connector.session(1).close(CloseReason.ERROR);
        assertThat(h.pool.snapshot().lastFailure()).isEqualTo("session closed (error) 2s after it was made");
        assertThat(h.meter("anytls4j.pool.sessions.create.failures", "reason", "demand", "cause", "closed-young"))
                .isEqualTo(1);

        h.advanceTo(Duration.ofNanos(h.pool.snapshot().createAllowedAtNanos()));
        h.open().close();                                          // session 2, heard at its connect
        h.advance(Duration.ofSeconds(5));
        assertThat(h.pool.snapshot().creationFailures()).isZero();
        h.connector.session(2).close(CloseReason.PEER_CLOSE);
        assertThat(h.pool.snapshot().creationFailures()).isZero();
        assertThat(h.pool.snapshot().mayCreateAt(h.ticker.nanoTime())).isTrue();
    }

    @Test
    void aYoungSessionAMonitorFoundDeadAfterTheServerHadAnsweredIsReplacedAtOnceNotBackedOff() {
        ScriptedPolicy probe = new ScriptedPolicy("probe", 400, true);
        PoolHarness h = pool("", probe).start();
        h.open().close();
        h.advance(Duration.ofSeconds(3));
        h.connector.session(1).close(CloseReason.HEARTBEAT_TIMEOUT);
        assertThat(h.pool.snapshot().creationFailures()).isZero();
        h.advance(Duration.ofMillis(1));
        assertThat(probe.evaluatedAt).containsExactly(0L, seconds(3) + 1_000_000);

        // The same close of a session that never heard anything from the server: the server never worked.
        h.connector.customize(FakeSession::silent);
        h.open().close();
        h.advance(Duration.ofSeconds(3));
        h.connector.session(2).close(CloseReason.HEARTBEAT_TIMEOUT);
        assertThat(h.pool.snapshot().lastFailure())
                .isEqualTo("session closed (heartbeat-timeout) 3s after it was made, before the server sent anything");
    }

    @Test
    void sessionsThePoolClosesItselfAreNoFailures() {
        PoolHarness h = pool("idle_session_timeout = 10s").start();
        h.connector.customize(FakeSession::silent);
        h.open().close();
        h.advance(Duration.ofSeconds(40));                         // the idle cleanup closes it, unheard
        assertThat(h.connector.session(1).closeReason()).contains(CloseReason.IDLE_TIMEOUT);
        assertThat(h.pool.snapshot().creationFailures()).isZero();
    }

    @Test
    void aRoundOfAttemptsFailingTogetherGrowsTheWaitOnceAndTheWaitIsCapped() {
        ScriptedPolicy filler = new ScriptedPolicy("filler", 400, true)
                .deciding((pool, now) -> pool.idle().isEmpty() && pool.creating() == 0
                        ? Decision.of(List.of(PoolAction.create(5, "filler"))) : Decision.nothing());
        PoolHarness h = pool("session_create_backoff_initial = 1s, session_create_backoff_max = 4s", filler);
        h.connector.failAll(new IOException("connection refused"));
        h.start();
        long first = h.pool.snapshot().createAllowedAtNanos();
        assertThat(first).as("one round of 5 failures: one step, 1s to 2s").isBetween(seconds(1), seconds(2));
        long previous = 0;
        long now = 0;
        for (int i = 0; i < 20; i++) {
            long allowedAt = h.pool.snapshot().createAllowedAtNanos();
            assertThat(allowedAt - now).isBetween(seconds(1), seconds(4));
            previous = allowedAt;
            h.advanceTo(Duration.ofNanos(allowedAt));
            now = allowedAt;
        }
        assertThat(h.connector.attempts()).isEqualTo(5 + 20);
        assertThat(previous).isGreaterThanOrEqualTo(seconds(1) + seconds(2) + 18 * seconds(2));
    }

    @Test
    void aBusySessionWhoseReadsArePausedTakesNoNewStream() {
        PoolHarness h = pool("max_streams_per_session = 4").start();
        h.open();
        h.connector.session(1).readsPaused(true);
        h.open();
        assertThat(h.connector.sessions()).hasSize(2);
        assertThat(h.connector.session(1).streams()).hasSize(1);
        h.connector.session(1).readsPaused(false);
        h.open();
        assertThat(h.connector.session(2).streams()).hasSize(2);
    }

    @Test
    void theSnapshotTellsCreationsApartByReason() {
        ScriptedPolicy filler = new ScriptedPolicy("filler", 400, true)
                .deciding((pool, now) -> now == 0 ? Decision.of(List.of(PoolAction.create(2, "filler")))
                        : Decision.nothing());
        PoolHarness h = pool("", filler);
        h.connector.manual();
        h.start();
        h.pool.open(DESTINATION, null);
        PoolSnapshot pool = h.pool.snapshot();
        assertThat(pool.creating()).isEqualTo(3);
        assertThat(pool.creating("filler")).isEqualTo(2);
        assertThat(pool.creating("demand")).isEqualTo(1);
        assertThat(pool.createAllowedAtNanos()).isEqualTo(Long.MIN_VALUE);
        h.connector.completeAll();
        assertThat(h.pool.snapshot().creatingByReason()).isEmpty();
    }

    @Test
    void theBackoffKeysAreValidated() {
        assertThatThrownBy(() -> pool("session_create_backoff_initial = 0s"))
                .hasMessageContaining("session_create_backoff_initial: must be > 0");
        assertThatThrownBy(() -> pool("session_create_backoff_initial = 10s, session_create_backoff_max = 5s"))
                .hasMessageContaining("session_create_backoff_max: must be >= session_create_backoff_initial (10s), "
                        + "was 5s");
        assertThatThrownBy(() -> pool("session_create_probation = -1s"))
                .hasMessageContaining("session_create_probation: must be >= 0");
    }
}
