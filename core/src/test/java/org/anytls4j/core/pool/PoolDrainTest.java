package org.anytls4j.core.pool;

import static org.anytls4j.core.testing.PoolHarness.DESTINATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.core.testing.LogCapture;
import org.anytls4j.core.testing.PoolHarness;
import org.junit.jupiter.api.Test;

/**
 * Shutdown drains the pool first (issue 9, section 2): nothing is created while the process stops, idle sessions
 * close at once, open streams may finish for {@code shutdown_grace_period}, and the log tells how many streams a
 * session still carried.
 */
class PoolDrainTest {
    /** Keeps two sessions idle, as ensure_idle_session = 2 does. */
    private static ScriptedPolicy ensureTwo() {
        return new ScriptedPolicy("ensure2", 400, true).deciding((pool, now) -> {
            int missing = 2 - pool.idle().size() - pool.creating("ensure");
            return missing > 0 ? Decision.of(List.of(PoolAction.create(missing, "ensure"))) : Decision.nothing();
        });
    }

    @Test
    void anOpenStreamFinishesWithinTheGraceAndNothingIsCreatedMeanwhile() {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolHarness h = PoolHarness.of("shutdown_grace_period = 10s", List.of(ensureTwo()), List.of()).start()) {
            assertThat(h.idleSeqs()).containsExactly(2L, 1L);
            Channel stream = h.open();                                   // takes #2
            int attempts = h.connector.attempts();

            CompletableFuture<Void> closed = h.pool.closeGracefully().toCompletableFuture();

            assertThat(h.connector.session(1).closeReason()).contains(CloseReason.SHUTDOWN);
            assertThat(h.connector.session(2).isActive()).isTrue();
            h.advance(Duration.ofSeconds(5));                           // ensure would have run by now
            assertThat(h.connector.attempts()).as("no creation while draining").isEqualTo(attempts);
            assertThatThrownBy(() -> h.pool.open(DESTINATION, null).toCompletableFuture().join())
                    .hasMessageContaining("outbound=hk is closed");
            assertThat(closed).isNotDone();

            stream.close();                                             // the stream ends within the grace

            assertThat(closed).isDone();
            assertThat(h.connector.session(2).closeReason()).contains(CloseReason.SHUTDOWN);
            assertThat(h.connector.attempts()).isEqualTo(attempts);
            assertThat(logs.lines(Level.INFO)).contains("outbound=hk pool draining: closing 1 idle sessions; 1 busy "
                    + "sessions carrying 1 streams may finish within shutdown_grace_period=10s");
            assertThat(logs.lines()).noneMatch(l -> l.contains("at the end of shutdown_grace_period"));
        }
    }

    @Test
    void aStreamStillOpenAtTheEndOfTheGraceIsClosedAndCounted() {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolHarness h = PoolHarness.of("shutdown_grace_period = 10s", List.of(), List.of()).start()) {
            Channel stream = h.open();
            CompletableFuture<Void> closed = h.pool.closeGracefully().toCompletableFuture();
            h.advance(Duration.ofSeconds(9));
            assertThat(stream.isActive()).isTrue();

            h.advance(Duration.ofSeconds(1));

            assertThat(h.connector.session(1).closeReason()).contains(CloseReason.SHUTDOWN);
            assertThat(stream.isActive()).isFalse();
            assertThat(closed).isDone();
            assertThat(logs.lines(Level.INFO)).contains("outbound=hk session=#1 still carried 1 streams at the end of "
                    + "shutdown_grace_period=10s; closing it");
        }
    }

    @Test
    void aZeroGraceClosesEverythingAtOnce() {
        try (PoolHarness h = PoolHarness.of("shutdown_grace_period = 0s", List.of(), List.of()).start()) {
            Channel stream = h.open();
            CompletableFuture<Void> closed = h.pool.closeGracefully().toCompletableFuture();
            assertThat(stream.isActive()).isFalse();
            assertThat(closed).isDone();
        }
    }
}
