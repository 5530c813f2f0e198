package org.anytls4j.transport.anytls.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.netty.channel.ConnectTimeoutException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.StreamRefusedException;

/**
 * The meters of one {@code anytls} inbound, all named under {@value #PREFIX} and tagged {@code inbound=<tag>}:
 * <ul>
 *   <li>{@code anytls4j.anytls.server.auth.failures} (counter, tag {@code cause}: {@code bad-hash},
 *       {@code timeout})</li>
 *   <li>{@code anytls4j.anytls.server.sessions.open} and {@code anytls4j.anytls.server.streams.open} (gauges)</li>
 *   <li>{@code anytls4j.anytls.server.bytes} (counter of stream payload bytes, tag {@code direction}: {@code in} =
 *       client to server, {@code out} = server to client)</li>
 *   <li>{@code anytls4j.anytls.server.pending.bytes} (gauge): bytes all sessions hold, queued toward clients and
 *       targets (what {@code inbound_pending_bytes} bounds)</li>
 *   <li>{@code anytls4j.anytls.server.connections.refused} (counter, tag {@code cause}: {@code budget}): connections
 *       closed at accept because the inbound held more than {@code inbound_pending_bytes}</li>
 *   <li>{@code anytls4j.anytls.server.streams.refused} (counter): SYNs refused past
 *       {@code max_streams_per_session}</li>
 *   <li>{@code anytls4j.anytls.server.dials.failed} (counter): targets that could not be opened</li>
 *   <li>{@code anytls4j.anytls.server.streams.opened} (counter): streams a client opened (SYNs accepted)</li>
 *   <li>{@code anytls4j.anytls.server.streams.failed} (counter, tag {@code reason}: {@code limit} (refused past
 *       {@code max_streams_per_session}), and for a target that could not be opened {@code timeout},
 *       {@code dns}, {@code connection-refused}, {@code upstream} (an upstream server refused it), {@code other})</li>
 *   <li>{@code anytls4j.anytls.server.tls.handshake.failures} (counter, tag {@code cause}: {@code timeout},
 *       {@code error}): connections whose TLS handshake failed (scanners, clients pinning another key or
 *       speaking another protocol)</li>
 *   <li>{@code anytls4j.anytls.server.protocol.violations} (counter): sessions closed for a protocol violation</li>
 *   <li>{@code anytls4j.anytls.server.replies.dropped} (counter): HeartResponses not sent because one was still
 *       queued or the session was over {@code session_pending_bytes}</li>
 *   <li>{@code anytls4j.anytls.server.sessions.timed.out} (counter, tag {@code cause}: {@code write-stall},
 *       {@code frame-read-timeout})</li>
 * </ul>
 *
 * <h2>Names</h2>
 * The host's own inbounds meter under {@code anytls4j.inbound.*} with other tag keys; Prometheus refuses two
 * meters of one name with different tag keys, so the server's family has a prefix of its own.
 *
 * <h2>Threading</h2>
 * Thread-safe; updated from every event loop.
 */
final class ServerMetrics {
    static final String PREFIX = "anytls4j.anytls.server.";

    private final Counter authBadHash;
    private final Counter authTimeout;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final AtomicLong sessions = new AtomicLong();
    private final AtomicLong streams = new AtomicLong();
    private final LongAdder pending = new LongAdder();
    private final Counter refusedOverBudget;
    private final Counter streamsRefused;
    private final Counter dialsFailed;
    private final Counter protocolViolations;
    private final Counter repliesDropped;
    private final Counter writeStalls;
    private final Counter frameReadTimeouts;
    private final Counter streamsOpened;
    private final Map<String, Counter> streamsFailed = new HashMap<>();
    private final Counter handshakeTimeouts;
    private final Counter handshakeErrors;

    ServerMetrics(MeterRegistry registry, String tag) {
        Tags tags = Tags.of("inbound", tag);
        authBadHash = Counter.builder(PREFIX + "auth.failures").tags(tags).tag("cause", "bad-hash")
                .description("connections that failed AnyTLS authentication").register(registry);
        authTimeout = Counter.builder(PREFIX + "auth.failures").tags(tags).tag("cause", "timeout")
                .description("connections that failed AnyTLS authentication").register(registry);
        bytesIn = Counter.builder(PREFIX + "bytes").tags(tags).tag("direction", "in").baseUnit("bytes")
                .description("stream payload bytes relayed").register(registry);
        bytesOut = Counter.builder(PREFIX + "bytes").tags(tags).tag("direction", "out").baseUnit("bytes")
                .description("stream payload bytes relayed").register(registry);
        Gauge.builder(PREFIX + "sessions.open", sessions, AtomicLong::get).tags(tags)
                .description("authenticated sessions open").register(registry);
        Gauge.builder(PREFIX + "streams.open", streams, AtomicLong::get).tags(tags)
                .description("streams open").register(registry);
        Gauge.builder(PREFIX + "pending.bytes", pending, LongAdder::sum).tags(tags).baseUnit("bytes")
                .description("bytes sessions hold queued toward clients and targets").register(registry);
        refusedOverBudget = Counter.builder(PREFIX + "connections.refused").tags(tags).tag("cause", "budget")
                .description("connections closed at accept").register(registry);
        streamsRefused = Counter.builder(PREFIX + "streams.refused").tags(tags)
                .description("SYNs refused past max_streams_per_session").register(registry);
        dialsFailed = Counter.builder(PREFIX + "dials.failed").tags(tags)
                .description("stream targets that could not be opened").register(registry);
        protocolViolations = Counter.builder(PREFIX + "protocol.violations").tags(tags)
                .description("sessions closed for a protocol violation").register(registry);
        repliesDropped = Counter.builder(PREFIX + "replies.dropped").tags(tags)
                .description("HeartResponses not sent: one was still queued").register(registry);
        writeStalls = Counter.builder(PREFIX + "sessions.timed.out").tags(tags).tag("cause", "write-stall")
                .description("sessions closed by a timeout").register(registry);
        frameReadTimeouts = Counter.builder(PREFIX + "sessions.timed.out").tags(tags)
                .tag("cause", "frame-read-timeout").description("sessions closed by a timeout").register(registry);
        streamsOpened = Counter.builder(PREFIX + "streams.opened").tags(tags)
                .description("streams clients opened (SYNs accepted)").register(registry);
        for (String reason : FAILURE_REASONS) {
            streamsFailed.put(reason, Counter.builder(PREFIX + "streams.failed").tags(tags).tag("reason", reason)
                    .description("streams that failed to open, by reason").register(registry));
        }
        handshakeTimeouts = Counter.builder(PREFIX + "tls.handshake.failures").tags(tags).tag("cause", "timeout")
                .description("connections whose TLS handshake failed").register(registry);
        handshakeErrors = Counter.builder(PREFIX + "tls.handshake.failures").tags(tags).tag("cause", "error")
                .description("connections whose TLS handshake failed").register(registry);
    }

    /** Values of the {@code reason} tag of {@code streams.failed}. */
    static final List<String> FAILURE_REASONS = List.of("limit", "timeout", "dns", "connection-refused", "upstream",
            "other");

    /** The {@code reason} of a target that could not be opened. */
    static String dialFailureReason(Throwable error) {
        Throwable cause = DialErrors.unwrap(error);
        if (cause instanceof StreamRefusedException) {
            return "upstream";
        }
        if (cause instanceof ConnectTimeoutException || cause instanceof SocketTimeoutException) {
            return "timeout";
        }
        if (cause instanceof UnknownHostException) {
            return "dns";
        }
        return DialErrors.describe(new Destination("target", 1), cause).endsWith("connect: connection refused")
                ? "connection-refused" : "other";
    }

    /** A connection's TLS handshake failed; {@code timeout} when it did not finish in time. */
    void tlsHandshakeFailed(boolean timeout) {
        (timeout ? handshakeTimeouts : handshakeErrors).increment();
    }

    /** Bytes held by sessions changed by {@code delta}. */
    void pending(long delta) {
        pending.add(delta);
    }

    long pendingBytes() {
        return pending.sum();
    }

    void connectionRefusedOverBudget() {
        refusedOverBudget.increment();
    }

    void streamRefused() {
        streamsRefused.increment();
        streamsFailed.get("limit").increment();
    }

    void dialFailed(Throwable error) {
        dialsFailed.increment();
        streamsFailed.get(dialFailureReason(error)).increment();
    }

    void protocolViolation() {
        protocolViolations.increment();
    }

    void replyDropped() {
        repliesDropped.increment();
    }

    void timedOut(boolean writeStall) {
        (writeStall ? writeStalls : frameReadTimeouts).increment();
    }

    void authFailed(boolean timeout) {
        (timeout ? authTimeout : authBadHash).increment();
    }

    void sessionOpened() {
        sessions.incrementAndGet();
    }

    void sessionClosed() {
        sessions.decrementAndGet();
    }

    void streamOpened() {
        streamsOpened.increment();
        streams.incrementAndGet();
    }

    void streamClosed() {
        streams.decrementAndGet();
    }

    void bytesIn(long n) {
        bytesIn.increment(n);
    }

    void bytesOut(long n) {
        bytesOut.increment(n);
    }

    long sessionsOpen() {
        return sessions.get();
    }

    long streamsOpen() {
        return streams.get();
    }
}
