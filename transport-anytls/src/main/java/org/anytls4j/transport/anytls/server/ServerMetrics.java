package org.anytls4j.transport.anytls.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of one {@code anytls} inbound, all named under {@value #PREFIX} and tagged {@code inbound=<tag>}:
 * <ul>
 *   <li>{@code anytls4j.anytls.server.auth.failures} (counter, tag {@code cause}: {@code bad-hash},
 *       {@code timeout})</li>
 *   <li>{@code anytls4j.anytls.server.sessions.open} and {@code anytls4j.anytls.server.streams.open} (gauges)</li>
 *   <li>{@code anytls4j.anytls.server.bytes} (counter of stream payload bytes, tag {@code direction}: {@code in} =
 *       client to server, {@code out} = server to client)</li>
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
