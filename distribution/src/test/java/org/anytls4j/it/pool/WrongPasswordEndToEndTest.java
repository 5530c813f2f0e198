package org.anytls4j.it.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.anytls4j.core.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 8, finding 1, against the real client and server: with a wrong password the server closes every session
 * right after the preamble. The pool used to count each connect as a success and replace each close at once: 550
 * to 740 TLS connections a second with {@code ensure_idle_session = 5}. Now those closes are failed creations and
 * the pool backs off (1-2 s, 2-4 s, 4-8 s, ...), counted at the relay; a SOCKS request meanwhile fails at once.
 */
@Timeout(60)
class WrongPasswordEndToEndTest {
    private static final long WAIT_SECONDS = 30;

    @Test
    void aWrongPasswordBacksOffInsteadOfStormingTheServerAndARequestFailsAtOnceSayingWhy() throws Exception {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolEndToEnd e2e = PoolEndToEnd.start("password = \"not-the-password\", ensure_idle_session = 5")) {
            long[] acceptedAt = new long[9];
            for (int n = 1; n <= 8; n++) {
                int index = n;
                e2e.relay.flow(n).thenRun(() -> acceptedAt[index] = System.nanoTime());
            }
            e2e.relay.flow(8).get(WAIT_SECONDS, TimeUnit.SECONDS);
            int connectionsWhenTheEighthCame = e2e.relay.flows().size();
            Duration fifthToEighth = Duration.ofNanos(acceptedAt[8] - acceptedAt[5]);

            // Five at start (nothing known yet), then one per wait: at least 1 s + 2 s + 4 s for three more.
            assertThat(connectionsWhenTheEighthCame).isEqualTo(8);
            assertThat(fifthToEighth).isGreaterThanOrEqualTo(Duration.ofSeconds(7));

            long before = System.nanoTime();
            assertThatThrownBy(() -> e2e.roundTrip("hello")).isInstanceOf(IOException.class);
            Duration failedAfter = Duration.ofNanos(System.nanoTime() - before);
            assertThat(failedAfter).as("fails at once, not after a connect").isLessThan(Duration.ofSeconds(1));
            String clientLine = logs.awaitLine(l -> l.contains("outbound=proxy open failed")
                    && l.contains("server closed the session") && l.contains("failures in a row; next attempt in"))
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(logs.lines(Level.WARN).stream().filter(l -> l.contains("Failed to create session"))).hasSize(1);
            assertThat(e2e.relay.flows()).hasSize(8);
            System.out.printf("wrong password, ensure_idle_session = 5: 8 connections, 5th to 8th %d ms; "
                    + "SOCKS request failed after %d ms: %s%n", fifthToEighth.toMillis(), failedAfter.toMillis(),
                    clientLine);
        }
    }
}
