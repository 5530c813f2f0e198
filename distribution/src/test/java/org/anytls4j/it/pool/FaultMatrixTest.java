package org.anytls4j.it.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.anytls4j.core.testing.FaultRelay;
import org.anytls4j.core.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault matrix of issue 8: the real client and server (loaded from the packaged distribution, in this JVM),
 * a {@link FaultRelay} between them that breaks the path as real networks do, and figures asserted for each
 * fault. Real time with generous bounds; every wait is for a condition (a relay event, a log line, a reply),
 * never a sleep. Durations are shorter than the issue's where the shape is kept (each test says so), to keep the
 * matrix near two minutes. The figures measured are recorded in docs/RELIABILITY.md ("Pool faults").
 */
@Timeout(120)
class FaultMatrixTest {
    private static final long WAIT_SECONDS = 30;
    /** "A client must never hammer a server": at most this many connects per {@link #STORM_WINDOW}. */
    private static final int MAX_ATTEMPTS = 10;
    /** The issue counts over 20 s; half of that with the same ceiling is stricter and keeps the matrix fast. */
    private static final Duration STORM_WINDOW = Duration.ofSeconds(10);
    /** The first-stream bound (default 3 s): a stream on a session whose server is silent is retried by then. */
    private static final Duration FIRST_STREAM_BOUND = Duration.ofSeconds(3);
    /** The pool's backoff cap as the restart test sets it: the longest wait between two creation attempts. */
    private static final Duration BACKOFF_CAP = Duration.ofSeconds(8);
    /** How long a new session must live to end a failure streak ({@code session_create_probation}, default). */
    private static final Duration PROBATION = Duration.ofSeconds(5);
    /** Scheduling and TLS handshake slack on top of a protocol bound, on two busy cores. */
    private static final Duration SLACK = Duration.ofMillis(1500);

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static void report(String line) {
        System.out.println("[fault-matrix] " + line); // the figures docs/RELIABILITY.md records
    }

    /**
     * Waits out {@code window} (from {@code startNanos}), failing as soon as more than {@link #MAX_ATTEMPTS}
     * connects beyond the first {@code before} reach the relay; reports the count and their spacing either way.
     */
    private static void assertNoStorm(FaultRelay relay, int before, Duration window, long startNanos, String what) {
        CompletableFuture<Void> storm = relay.when(r -> r.attempts() - before > MAX_ATTEMPTS);
        try {
            assertThat(storm).as("more than %d connects within %s", MAX_ATTEMPTS, window)
                    .failsWithin(window.minus(since(startNanos)));
        } finally {
            report(what + ": " + (relay.attempts() - before) + " connects in " + since(startNanos).toMillis()
                    + " ms, gaps ms " + gapsMillis(relay, before + 1));
        }
    }

    /** Gaps between consecutive accepted connections from {@code fromIndex} (1-based), in milliseconds. */
    private static List<Long> gapsMillis(FaultRelay relay, int fromIndex) {
        List<FaultRelay.Flow> flows = relay.flows();
        List<Long> gaps = new ArrayList<>();
        for (int i = Math.max(1, fromIndex); i < flows.size(); i++) {
            gaps.add((flows.get(i).acceptedNanos() - flows.get(i - 1).acceptedNanos()) / 1_000_000);
        }
        return gaps;
    }

    /** An HTTP CONNECT through the proxy to the origin: the status line and body of a failure, or "200". */
    private static String httpConnect(PoolEndToEnd e2e, int soTimeoutMillis) throws IOException {
        try (Socket s = new Socket(e2e.proxy().getAddress(), e2e.proxy().getPort())) {
            s.setSoTimeout(soTimeoutMillis);
            String target = "127.0.0.1:" + e2e.origin().getPort();
            s.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] reply = s.getInputStream().readAllBytes(); // a failure reply closes; a 200 would time out
            return new String(reply, StandardCharsets.UTF_8);
        }
    }

    // ---- wrong password ---------------------------------------------------------------------------------------

    /** Issue: 5,521 connects in 10 s. Needs the pool backoff that sees failures. */
    @Test
    void aWrongPasswordCostsTheServerAFewConnectsNotAStormAndTheLocalClientFailsFastNamingTheCause()
            throws Exception {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolEndToEnd e2e = PoolEndToEnd.start("ensure_idle_session = 5", "not-the-password", "")) {
            long start = System.nanoTime();
            assertNoStorm(e2e.relay, 0, STORM_WINDOW, start, "wrong password, ensure_idle_session = 5");
            report("wrong password: server 'authentication failed' lines: "
                    + logs.linesContaining("authentication failed").size());
            assertThat(e2e.relay.attempts()).isPositive();

            long asked = System.nanoTime();
            String reply = httpConnect(e2e, 10_000);
            Duration answeredAfter = since(asked);
            report("wrong password: HTTP CONNECT answered after " + answeredAfter.toMillis() + " ms: "
                    + reply.replace("\r\n", " | ").trim());
            assertThat(reply).startsWith("HTTP/1.1 5");
            assertThat(reply.toLowerCase()).contains("password");
            assertThat(answeredAfter).as("a fast error while the outbound backs off").isLessThan(Duration.ofSeconds(1));
        }
    }

    /**
     * Issue: a server that closes idle sessions on its own ({@code session_idle_timeout}) made the pool reconnect
     * in a loop (40 connects in 16 s). A session the server closes before it carried a stream is a creation
     * failure. Needs the pool backoff that sees failures.
     */
    @Test
    void aServerThatClosesIdleSessionsAtOnceIsNotReconnectedInALoop() throws Exception {
        try (PoolEndToEnd e2e = PoolEndToEnd.start("ensure_idle_session = 2", PoolEndToEnd.PASSWORD,
                "session_idle_timeout = 1s")) {
            assertNoStorm(e2e.relay, 0, STORM_WINDOW, System.nanoTime(),
                    "server session_idle_timeout = 1s, ensure_idle_session = 2");
        }
    }

    // ---- black hole -------------------------------------------------------------------------------------------

    /**
     * Black hole after the pool filled, heartbeat 1 s (timeout 500 ms, 2 misses): every session is replaced
     * within heartbeat + timeout x misses + one interval = 3 s; a request issued during the black hole completes
     * once the path is back (1 s later), or fails within the first-stream bound; nothing waits longer.
     */
    @Test
    void aBlackHoleIsDetectedByTheHeartbeatInTimeAndARequestDuringItNeverHangs() throws Exception {
        Duration heartbeat = Duration.ofSeconds(1);
        Duration bound = heartbeat.plus(Duration.ofMillis(500).multipliedBy(2)).plus(heartbeat);
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolEndToEnd e2e = PoolEndToEnd.start("ensure_idle_session = 2, heartbeat = 1s, "
                     + "heartbeat_timeout = 500ms, heartbeat_max_missed = 2")) {
            for (int seq = 1; seq <= 2; seq++) {
                String prefix = "outbound=proxy session=#" + seq + " [Heartbeat] Received heartbeat response";
                logs.awaitLine(l -> l.startsWith(prefix)).get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            List<FaultRelay.Flow> pooled = e2e.relay.flows();
            assertThat(pooled).hasSize(2);

            long frozenAt = System.nanoTime();
            e2e.relay.freeze();
            List<Duration> detected = new ArrayList<>();
            for (FaultRelay.Flow flow : pooled) {
                flow.closeFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
                detected.add(since(frozenAt));
            }
            // A session closed younger than the pool's probation (5 s) counts as a failed creation, so its
            // replacement may wait one initial back-off round (at most 2 s) on top of the detection bound.
            Duration replaceBound = bound.plus(Duration.ofSeconds(2)).plus(SLACK);
            e2e.relay.when(r -> r.attempts() >= 2 * pooled.size())
                    .get(replaceBound.toMillis(), TimeUnit.MILLISECONDS);
            Duration replaced = since(frozenAt);
            report("black hole, heartbeat 1s/500ms x2: sessions closed after " + detected + " (bound " + bound
                    + "), replacements connecting after " + replaced.toMillis() + " ms");
            assertThat(detected).allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(bound));

            long askedAt = System.nanoTime();
            CompletableFuture<String> request = CompletableFuture.supplyAsync(() -> {
                try {
                    return e2e.roundTrip("during the black hole");
                } catch (IOException e) {
                    return "failed: " + e;
                }
            });
            Duration pathBackAfter = Duration.ofSeconds(1);
            CompletableFuture.runAsync(e2e.relay::pass,
                    CompletableFuture.delayedExecutor(pathBackAfter.toMillis(), TimeUnit.MILLISECONDS));
            String outcome = request.get(WAIT_SECONDS, TimeUnit.SECONDS);
            Duration took = since(askedAt);
            report("black hole: request issued during it, path back after " + pathBackAfter + ": '" + outcome
                    + "' after " + took.toMillis() + " ms");
            assertThat(took).as("nothing waits longer than the path outage plus the first-stream bound")
                    .isLessThanOrEqualTo(pathBackAfter.plus(FIRST_STREAM_BOUND).plus(SLACK));
            assertThat(outcome).isEqualTo("during the black hole");
        }
    }

    /**
     * Black hole with {@code heartbeat = 0}: the path of a pre-warmed session that never carried a stream goes
     * silent; a request handed it fails over to a fresh session within the first-stream bound and succeeds. The
     * outbound has proved its server on another session first (a held-open stream), as a client in use has: only
     * a server known to speak v2 can be judged on a missing SYNACK. Needs the first-stream bound on a pre-warmed
     * session's first stream (the seed's SYNACK watchdog guards stream ids >= 2 only) and the retry.
     */
    @Test
    void withoutAHeartbeatARequestOnASilentPreWarmedSessionFailsOverToAFreshOneWithinTheBound() throws Exception {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolEndToEnd e2e = PoolEndToEnd.start("ensure_idle_session = 2")) {
            awaitPooled(logs, 2);
            assertThat(e2e.relay.flows()).hasSize(2);
            try (Socket holder = e2e.socks(10_000)) {
                // proves the server on one pre-warmed session and keeps it busy (one stream per session)
                assertThat(PoolEndToEnd.echo(holder, "prove the server")).isEqualTo("prove the server");
                FaultRelay.Flow busy = e2e.relay.flows().stream()
                        .max(Comparator.comparingLong(FaultRelay.Flow::bytesDown)).orElseThrow();
                FaultRelay.Flow untouched = e2e.relay.flows().stream().filter(f -> f != busy).findFirst()
                        .orElseThrow();
                untouched.freeze(); // its server went silent; new connections still pass

                long askedAt = System.nanoTime();
                String outcome = echoWithin(e2e, "fail over", FIRST_STREAM_BOUND.plus(SLACK));
                Duration took = since(askedAt);
                report("black hole, heartbeat 0, pre-warmed session silent: '" + outcome + "' after "
                        + took.toMillis() + " ms, connects " + e2e.relay.attempts());
                assertThat(outcome).isEqualTo("fail over");
                assertThat(took).isLessThanOrEqualTo(FIRST_STREAM_BOUND.plus(SLACK));
                assertThat(e2e.relay.attempts()).as("a fresh session was made").isEqualTo(3);
                untouched.closeFuture().get(WAIT_SECONDS, TimeUnit.SECONDS); // the stale session was closed
            }
        }
    }

    /** Echoes {@code text} through the proxy, reads timing out after {@code limit}: the echo, or the failure. */
    private static String echoWithin(PoolEndToEnd e2e, String text, Duration limit) {
        try (Socket socket = e2e.socks((int) limit.toMillis())) {
            return PoolEndToEnd.echo(socket, text);
        } catch (IOException e) {
            return "failed: " + e;
        }
    }

    /** Waits until the ensure policy has pooled {@code n} sessions (seq 1 to n). */
    private static void awaitPooled(LogCapture logs, int n) throws Exception {
        for (int seq = 1; seq <= n; seq++) {
            String line = "[EnsureIdleSession] Successfully created and pooled session #" + seq;
            logs.awaitLine(l -> l.contains(line)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    // ---- server killed and restarted --------------------------------------------------------------------------

    /**
     * Server killed, restarted 10 s later: attempts during the outage follow the backoff (counted: no more than
     * the storm ceiling, and spaced out), and the pool is back to its target within the backoff cap after the
     * restart. The cap is set to 8 s ({@code session_create_backoff_max}, default 1 m) to keep the test short.
     * Needs the pool backoff (and its key).
     */
    @Test
    void afterAServerRestartThePoolIsBackWithinTheBackoffCapAndTheOutageCostsFewAttempts() throws Exception {
        Duration outage = Duration.ofSeconds(10);
        try (PoolEndToEnd e2e = PoolEndToEnd.start("ensure_idle_session = 2, session_create_backoff_max = "
                + BACKOFF_CAP.toSeconds() + "s")) {
            e2e.relay.when(r -> r.liveFlows() >= 2).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(e2e.roundTrip("before")).isEqualTo("before");
            int before = e2e.relay.attempts();

            long killedAt = System.nanoTime();
            e2e.stopServer();
            e2e.relay.reset(); // a killed process's sockets are closed by its kernel: every session dies
            assertNoStorm(e2e.relay, before, outage, killedAt, "server down");
            assertThat(e2e.relay.attempts() - before).as("it keeps trying").isGreaterThanOrEqualTo(2);

            long restartedAt = System.nanoTime();
            e2e.restartServer();
            e2e.relay.when(r -> r.liveFlows() >= 1)
                    .get(BACKOFF_CAP.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
            Duration first = since(restartedAt);
            // During a failure streak one creation starts per back-off wait; the streak ends when a new session
            // proves itself (heard from the server and survived the probation, 5 s), so the second comes by then.
            e2e.relay.when(r -> r.liveFlows() >= 2)
                    .get(BACKOFF_CAP.plus(PROBATION).plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
            Duration back = since(restartedAt);
            report("server restarted: first session back after " + first.toMillis() + " ms, pool back to 2 after "
                    + back.toMillis() + " ms (cap " + BACKOFF_CAP + ", probation " + PROBATION + ")");
            assertThat(e2e.roundTrip("after")).isEqualTo("after");
        }
    }

    // ---- slow reader ------------------------------------------------------------------------------------------

    /**
     * A download read at ~200 KiB/s with {@code heartbeat = 1s, heartbeat_timeout = 1s}: the session is not
     * closed although its reads are paused by back-pressure, a second download on another session keeps its
     * speed meanwhile, and then the first finishes byte-exact at full speed. Issue: 64 MiB, 30 s slow; here
     * 64 MiB, 10 s slow (over three heartbeat detection periods of 3 s). Needs heartbeat liveness.
     */
    @Test
    void aSlowReaderKeepsItsSessionAndAnotherStreamKeepsItsSpeed() throws Exception {
        long total = 64L << 20;
        long fast = 16L << 20;
        Duration slowFor = Duration.ofSeconds(10);
        long slowRate = 200 * 1024;
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolEndToEnd e2e = PoolEndToEnd.start("heartbeat = 1s, heartbeat_timeout = 1s")) {
            double baseline = downloadRate(e2e, fast);

            try (Socket slow = new Socket()) {
                slow.setReceiveBufferSize(64 * 1024); // back-pressure reaches the session quickly
                slow.setSoTimeout(10_000);
                slow.connect(e2e.proxy());
                socksConnect(slow, e2e);
                PoolEndToEnd.requestBytes(slow, total);

                CompletableFuture<Double> meanwhile = CompletableFuture.supplyAsync(() -> {
                    try {
                        return downloadRate(e2e, fast);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, CompletableFuture.delayedExecutor(slowFor.toMillis() / 2, TimeUnit.MILLISECONDS));

                InputStream in = slow.getInputStream();
                byte[] buffer = new byte[16 * 1024];
                long offset = 0;
                String cut = "complete";
                long slowStart = System.nanoTime();
                long slowEnd = slowStart + slowFor.toNanos();
                while (offset < total) {
                    long now = System.nanoTime();
                    if (now < slowEnd) { // pace the reader like a player or curl --limit-rate
                        long due = slowStart + offset * 1_000_000_000L / slowRate;
                        if (due > now) {
                            LockSupport.parkNanos(due - now);
                            continue;
                        }
                    }
                    int n;
                    try {
                        n = in.read(buffer);
                    } catch (IOException e) {
                        cut = e.toString(); // the session died under the stream: the local connection is reset
                        break;
                    }
                    if (n < 0) {
                        cut = "EOF";
                        break;
                    }
                    for (int i = 0; i < n; i++) {
                        if (buffer[i] != PoolEndToEnd.patternByte(offset + i)) {
                            fail("byte " + (offset + i) + " differs");
                        }
                    }
                    offset += n;
                }
                double during = meanwhile.get(WAIT_SECONDS, TimeUnit.SECONDS);
                long closed = e2e.relay.flows().stream().filter(FaultRelay.Flow::isClosed).count();
                report(String.format("slow reader: %d of %d bytes in %d ms (end: %s), sessions closed: %d; another "
                        + "stream %.1f MiB/s during it vs %.1f MiB/s before", offset, total,
                        since(slowStart).toMillis(), cut, closed, during / (1 << 20), baseline / (1 << 20)));
                assertThat(logs.linesContaining("closed reason=heartbeat-timeout")).isEmpty();
                assertThat(offset).as("the whole download, byte-exact").isEqualTo(total);
                assertThat(during).as("the other stream keeps its speed").isGreaterThan(baseline * 0.3);
            }
        }
    }

    private static void socksConnect(Socket s, PoolEndToEnd e2e) throws IOException {
        var out = s.getOutputStream();
        var in = new java.io.DataInputStream(s.getInputStream());
        out.write(new byte[] {5, 1, 0});
        in.readFully(new byte[2]);
        int port = e2e.origin().getPort();
        out.write(new byte[] {5, 1, 0, 1, 127, 0, 0, 1, (byte) (port >> 8), (byte) port});
        byte[] reply = new byte[4];
        in.readFully(reply);
        assertThat(reply[1]).as("SOCKS5 reply").isZero();
        in.readFully(new byte[reply[3] == 4 ? 18 : 6]);
    }

    /** Downloads {@code length} bytes through the proxy at full speed; bytes per second. */
    private static double downloadRate(PoolEndToEnd e2e, long length) throws IOException {
        try (Socket s = e2e.socks(10_000)) {
            long start = System.nanoTime();
            PoolEndToEnd.requestBytes(s, length);
            long got = s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            assertThat(got).isEqualTo(length);
            return got * 1e9 / (System.nanoTime() - start);
        }
    }

    // ---- NAT --------------------------------------------------------------------------------------------------
    // With a heartbeat at half the NAT timeout, sessions survive ten NAT timeouts idle: see
    // PoolEndToEndTest.aHeartbeatAtHalfTheNatTimeoutKeepsEverySessionAliveForTenTimesIt (NAT 2 s, heartbeat 1 s).

    /**
     * NAT drop of an idle session without a heartbeat: the next request handed the dead session is retried on a
     * fresh one within the first-stream bound and succeeds. Issue: NAT drop after 5 s; here 1 s.
     */
    @Test
    void withoutAHeartbeatARequestOnANatDroppedSessionIsRetriedOnAFreshOne() throws Exception {
        try (PoolEndToEnd e2e = PoolEndToEnd.start("")) {
            assertThat(e2e.roundTrip("first")).isEqualTo("first");
            FaultRelay.Flow first = e2e.relay.flow(1).get(WAIT_SECONDS, TimeUnit.SECONDS);
            e2e.relay.dropIdleAfter(Duration.ofSeconds(1));
            first.dropFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
            e2e.relay.keepIdleFlows();

            long askedAt = System.nanoTime();
            String outcome = echoWithin(e2e, "after the NAT forgot", FIRST_STREAM_BOUND.plus(SLACK));
            Duration took = since(askedAt);
            report("NAT drop, no heartbeat: '" + outcome + "' after " + took.toMillis() + " ms, connects "
                    + e2e.relay.attempts());
            assertThat(outcome).isEqualTo("after the NAT forgot");
            assertThat(took).isLessThanOrEqualTo(FIRST_STREAM_BOUND.plus(SLACK));
            assertThat(e2e.relay.attempts()).isEqualTo(2);
        }
    }
}
