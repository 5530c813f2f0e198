package org.anytls4j.it.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.anytls4j.core.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Stopping the client (what SIGTERM does) drains its pools before its inbounds stop (issue 9, section 2): an open
 * stream keeps working and may finish within {@code shutdown_grace_period}; one still open at its end is cut, and
 * the session's close line counts it (it used to say {@code streams=0}, the inbound having cut it first).
 */
@Timeout(120)
class DrainingShutdownEndToEndTest {
    private static final long WAIT_SECONDS = 30;

    @Test
    void anOpenStreamKeepsWorkingWhileTheClientDrainsAndEndsBeforeTheGrace() throws Exception {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolEndToEnd e2e = PoolEndToEnd.start("shutdown_grace_period = 30s");
             Socket held = e2e.socks(10_000)) {
            assertThat(PoolEndToEnd.echo(held, "before")).isEqualTo("before");
            var draining = logs.awaitLine(l -> l.equals("outbound=proxy pool draining: closing 0 idle sessions; 1 busy "
                    + "sessions carrying 1 streams may finish within shutdown_grace_period=30s"));

            CompletableFuture<Void> stopped = CompletableFuture.runAsync(e2e::stopClient);
            draining.get(WAIT_SECONDS, TimeUnit.SECONDS);

            held.getOutputStream().write("during".getBytes(StandardCharsets.US_ASCII));   // the origin echoes on
            assertThat(new String(held.getInputStream().readNBytes(6), StandardCharsets.US_ASCII)).isEqualTo("during");
            held.close();
            stopped.get(WAIT_SECONDS, TimeUnit.SECONDS);             // well before the 30 s grace
            assertThat(logs.lines()).contains("outbound=proxy session=#1 closed reason=shutdown streams=0")
                    .noneMatch(l -> l.contains("at the end of shutdown_grace_period"));
        }
    }

    @Test
    void aStreamStillOpenAtTheEndOfTheGraceIsCutAndCounted() throws Exception {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolEndToEnd e2e = PoolEndToEnd.start("shutdown_grace_period = 500ms");
             Socket held = e2e.socks(10_000)) {
            assertThat(PoolEndToEnd.echo(held, "before")).isEqualTo("before");

            e2e.stopClient();

            assertThat(logs.lines()).contains(
                    "outbound=proxy session=#1 still carried 1 streams at the end of shutdown_grace_period=500ms; "
                            + "closing it",
                    "outbound=proxy session=#1 closed reason=shutdown streams=1");
        }
    }
}
