package org.anytls4j.transport.anytls.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of one {@code anytls} inbound, all tagged {@code inbound=<tag>}:
 * <ul>
 *   <li>{@code anytls4j.inbound.auth.failures} (counter, tag {@code cause}: {@code bad-hash}, {@code timeout})</li>
 *   <li>{@code anytls4j.inbound.sessions.open} and {@code anytls4j.inbound.streams.open} (gauges)</li>
 *   <li>{@code anytls4j.inbound.bytes} (counter of stream payload bytes, tag {@code direction}: {@code in} =
 *       client to server, {@code out} = server to client)</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Thread-safe; updated from every event loop.
 */
final class ServerMetrics {
    private final Counter authBadHash;
    private final Counter authTimeout;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final AtomicLong sessions = new AtomicLong();
    private final AtomicLong streams = new AtomicLong();

    ServerMetrics(MeterRegistry registry, String tag) {
        Tags tags = Tags.of("inbound", tag);
        authBadHash = Counter.builder("anytls4j.inbound.auth.failures").tags(tags).tag("cause", "bad-hash")
                .description("connections that failed AnyTLS authentication").register(registry);
        authTimeout = Counter.builder("anytls4j.inbound.auth.failures").tags(tags).tag("cause", "timeout")
                .description("connections that failed AnyTLS authentication").register(registry);
        bytesIn = Counter.builder("anytls4j.inbound.bytes").tags(tags).tag("direction", "in").baseUnit("bytes")
                .description("stream payload bytes relayed").register(registry);
        bytesOut = Counter.builder("anytls4j.inbound.bytes").tags(tags).tag("direction", "out").baseUnit("bytes")
                .description("stream payload bytes relayed").register(registry);
        Gauge.builder("anytls4j.inbound.sessions.open", sessions, AtomicLong::get).tags(tags)
                .description("authenticated sessions open").register(registry);
        Gauge.builder("anytls4j.inbound.streams.open", streams, AtomicLong::get).tags(tags)
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
