package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.Channel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.anytls4j.transport.anytls.server.HostileClient.Case;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * Hostile authenticated clients that never read, one case each, against a server with a small per-session cap
 * and short deadlines. For each: the bytes the server queues for the hostile connection stay under the cap (plus
 * one read batch of slack), the session is closed when it has to be, a legitimate 4 MiB echo through another
 * session completes byte-exact meanwhile, and the server logs a handful of lines at most.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.anytls4j.core.relay.LeakCheck.class)
@Timeout(120)
class HostileClientsTest {
    private static final int CAP = 256 << 10;
    /** What a session may overshoot its cap by: the replies to one read batch (one frame's worth, in practice). */
    private static final int SLACK = 128 << 10;
    private static final String HOCON = "session_pending_bytes = 256KiB, session_write_stall_timeout = 2s,"
            + " frame_read_timeout = 2s, max_streams_per_session = 64";
    private static final int LEGIT_BYTES = 4 << 20;

    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger serverLog = (Logger) LoggerFactory.getLogger(ServerRuntime.LOG.getName());
    private ServerHarness server;
    private Channel echo;

    private void start(String hocon) throws Exception {
        server = ServerHarness.start(hocon);
        echo = TestServers.echo(server.netty.workerGroup());
        logs.start();
        serverLog.addAppender(logs);
    }

    @AfterEach
    void stop() throws Exception {
        serverLog.detachAppender(logs);
        sampler.shutdownNow();
        if (echo != null) {
            echo.close().sync();
        }
        if (server != null) {
            server.close();
        }
    }

    /** What one attack did. */
    private record Outcome(long maxPending, boolean closed, long sentBytes, long closeMillis, long legitNanos,
                           List<String> lines) {
    }

    /**
     * What the server logged so far. The server's threads may still be logging: ListAppender appends under its own
     * monitor (AppenderBase.doAppend is synchronized), so the copy is taken under it.
     */
    private List<String> logLines() {
        synchronized (logs) {
            return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /**
     * Runs {@code c} for at most {@code bytes} (or until the server closes it), and a legitimate transfer at the
     * same time; waits up to {@code closeWithinSeconds} for the server to close the hostile connection.
     */
    private Outcome attack(Case c, long bytes, long closeWithinSeconds) throws Exception {
        long started = System.nanoTime();
        HostileClient hostile = HostileClient.connect(server.netty.workerGroup(), server.address);
        Channel connection = server.inbound.connectionFrom(hostile.localAddress()).orElseThrow();
        CompletableFuture<Long> closedAt = new CompletableFuture<>();
        connection.closeFuture().addListener(f -> closedAt.complete(System.nanoTime()));
        AtomicLong maxPending = new AtomicLong();
        sampler.scheduleAtFixedRate(() -> maxPending.accumulateAndGet(AnytlsInbound.pendingBytes(connection),
                Math::max), 0, 2, TimeUnit.MILLISECONDS);
        hostile.run(c, ServerHarness.PASSWORD, bytes, TestServers.port(echo));
        CompletableFuture<Long> legit = EchoTransfer.run(server.netty, server.address, TestServers.port(echo),
                LEGIT_BYTES, 60);
        long legitNanos = legit.get(60, TimeUnit.SECONDS);
        CompletableFuture.anyOf(hostile.sent, closedAt).completeOnTimeout(null, 30, TimeUnit.SECONDS).get();
        boolean closed = closedAt.completeOnTimeout(-1L, closeWithinSeconds, TimeUnit.SECONDS).get() > 0;
        long closeMillis = closed ? (closedAt.get() - started) / 1_000_000 : -1;
        if (!closed) {
            assertThat(connection.isActive()).isTrue();
        }
        long sent = hostile.bytesSent();
        hostile.close();
        List<String> lines = logLines();
        System.out.printf("%s: sent %d bytes, closed=%s after %d ms, max pending %d bytes, legit 4 MiB in %d ms,"
                + " %d log lines%n", c, sent, closed, closeMillis, maxPending.get(), legitNanos / 1_000_000,
                lines.size());
        lines.forEach(l -> System.out.println("  log: " + l));
        return new Outcome(maxPending.get(), closed, sent, closeMillis, legitNanos, lines);
    }

    @Test
    void overTheInboundBudgetNewConnectionsAreRefusedAtAcceptWhileOpenSessionsCarryOn() throws Exception {
        start("session_pending_bytes = 256KiB, session_write_stall_timeout = 5s, inbound_pending_bytes = 128KiB,"
                + " max_streams_per_session = 64");
        RawTlsClient open = server.client();
        open.sendRecord(RawTlsClient.concat(RawTlsClient.preamble(ServerHarness.PASSWORD, 0),
                RawTlsClient.settings("v=2\npadding-md5=" + org.anytls4j.transport.anytls.padding.PaddingScheme.DEFAULT
                        .md5Hex())));
        open.expect(org.anytls4j.transport.anytls.frame.Command.SERVER_SETTINGS, 0);
        HostileClient hostile = HostileClient.connect(server.netty.workerGroup(), server.address);
        Channel connection = server.inbound.connectionFrom(hostile.localAddress()).orElseThrow();
        CompletableFuture<Void> overBudget = new CompletableFuture<>();
        sampler.scheduleAtFixedRate(() -> {
            if (server.inbound.pendingBytes() > (128 << 10)) {
                overBudget.complete(null);
            }
        }, 0, 1, TimeUnit.MILLISECONDS);
        hostile.run(Case.SYN_FLOOD, ServerHarness.PASSWORD, 64 << 20, 0);
        overBudget.get(30, TimeUnit.SECONDS);

        // the flooded session holds more than the budget once the kernel's socket buffers are full, not before
        boolean refused = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!refused && System.nanoTime() < deadline) {
            try {
                server.client().close();
            } catch (Exception closedAtAccept) {
                refused = true; // closed at accept, before the TLS handshake
            }
        }
        assertThat(refused).as("a connection refused while over the budget").isTrue();
        assertThat(server.context.registry().get("anytls4j.anytls.server.connections.refused")
                .tag("cause", "budget").counter().count()).isGreaterThanOrEqualTo(1);
        assertThat(logLines())
                .anyMatch(l -> l.matches("inbound=in refused \\d+ connections in the last 10s, the last from .*:"
                        + " sessions hold \\d+ bytes \\(inbound_pending_bytes=131072\\)"));
        open.sendRecord(RawTlsClient.frame(org.anytls4j.transport.anytls.frame.Command.HEART_REQUEST, 5));
        open.expect(org.anytls4j.transport.anytls.frame.Command.HEART_RESPONSE, 5);

        connection.closeFuture().await(20, TimeUnit.SECONDS); // the hostile session stalls out
        assertThat(connection.isOpen()).isFalse();
        EchoTransfer.run(server.netty, server.address, TestServers.port(echo), LEGIT_BYTES, 60)
                .get(60, TimeUnit.SECONDS); // accepted again
        hostile.close();
        open.close();
    }

    /**
     * Floods the server answers at most once (HeartRequest: one HeartResponse queued at a time; Settings: one
     * UpdatePaddingScheme per session) or not at all (PSH to unknown streams): the server keeps reading, queues
     * next to nothing, and has no reason to close the session.
     */
    @ParameterizedTest
    @EnumSource(names = {"HEART_FLOOD", "SETTINGS_FLOOD", "PSH_UNKNOWN"})
    void floodsOfRequestsAnsweredOnceOrNotAtAllQueueNothing(Case c) throws Exception {
        start(HOCON);
        Outcome o = attack(c, 4 << 20, 0);
        assertThat(o.maxPending).isLessThan(CAP + SLACK);
        assertThat(o.sentBytes).as("the server kept reading").isGreaterThanOrEqualTo(4 << 20);
        assertThat(o.lines).hasSizeLessThanOrEqualTo(6);
    }

    @Test
    void synFloodPastTheStreamLimitIsPausedThenClosedAndLoggedOncePerPeriod() throws Exception {
        start(HOCON);
        Outcome o = attack(Case.SYN_FLOOD, 64 << 20, 20);
        assertThat(o.closed).as("closed after the write stall timeout").isTrue();
        assertThat(o.maxPending).isLessThan(CAP + SLACK);
        assertThat(o.sentBytes).as("the server stopped reading").isLessThan(64 << 20);
        assertThat(o.lines).hasSizeLessThanOrEqualTo(6);
        assertThat(o.lines).filteredOn(l -> l.contains("refused")).hasSizeBetween(1, 2)
                .allMatch(l -> l.matches("inbound=in refused \\d+ streams in the last 10s, the last from"
                        + " /127\\.0\\.0\\.1:\\d+ \\(max_streams_per_session=64\\)"));
        assertThat(server.context.registry().get("anytls4j.anytls.server.streams.refused").counter().count())
                .isGreaterThan(64);
    }

    @Test
    void randomBytesEndTheSession() throws Exception {
        start(HOCON);
        Outcome o = attack(Case.RANDOM_BYTES, 4 << 20, 20);
        assertThat(o.closed).isTrue();
        assertThat(o.maxPending).isLessThan(CAP + SLACK);
        assertThat(o.lines).hasSizeLessThanOrEqualTo(6);
    }

    @Test
    void aFrameStalledHalfWayClosesTheSessionAfterTheFrameReadTimeout() throws Exception {
        start(HOCON);
        Outcome o = attack(Case.MID_FRAME_STALL, 0, 20);
        assertThat(o.closed).isTrue();
        assertThat(o.closeMillis).isGreaterThanOrEqualTo(2000);
        assertThat(o.lines).anyMatch(l -> l.contains("reason=frame-read-timeout"));
        assertThat(o.lines).hasSizeLessThanOrEqualTo(6);
    }

    @Test
    void tinyFramesEchoedToAClientThatDoesNotReadStayUnderTheCap() throws Exception {
        start(HOCON);
        Outcome o = attack(Case.TINY_FRAMES, 8 << 20, 0);
        assertThat(o.maxPending).isLessThan(CAP + SLACK);
        assertThat(server.inbound.pendingBytes()).as("the inbound's total stays under its budget")
                .isLessThan(4L * CAP);
        assertThat(o.lines).hasSizeLessThanOrEqualTo(6);
    }
}
