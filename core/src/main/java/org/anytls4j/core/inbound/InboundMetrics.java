package org.anytls4j.core.inbound;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The meters of one inbound, all tagged {@code inbound=<tag>} (and {@code type}); stream and byte meters also
 * carry {@code outbound=<tag>}:
 * <ul>
 *   <li>{@code anytls4j.inbound.connections} (counter): accepted connections;</li>
 *   <li>{@code anytls4j.inbound.connections.active} (gauge): connections open now;</li>
 *   <li>{@code anytls4j.inbound.streams.opened} / {@code anytls4j.inbound.streams.failed} (counters, the latter
 *       with {@code reason}): outbound streams opened for clients, and failed opens;</li>
 *   <li>{@code anytls4j.inbound.bytes} (counter, {@code direction=upload|download}): bytes relayed, upload being
 *       client to outbound.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Thread-safe (Micrometer meters are). Meters are looked up in the registry on use, which caches them by id.
 */
public final class InboundMetrics {
    private final MeterRegistry registry;
    private final String inbound;
    private final String type;
    private final Counter connections;
    private final AtomicInteger active = new AtomicInteger();

    public InboundMetrics(MeterRegistry registry, String inboundTag, String type) {
        this.registry = requireNonNull(registry, "registry");
        this.inbound = requireNonNull(inboundTag, "inboundTag");
        this.type = requireNonNull(type, "type");
        this.connections = Counter.builder("anytls4j.inbound.connections")
                .description("Connections accepted by the inbound")
                .tag("inbound", inbound).tag("type", type)
                .register(registry);
        Gauge.builder("anytls4j.inbound.connections.active", active, AtomicInteger::get)
                .description("Connections of the inbound open now")
                .tag("inbound", inbound).tag("type", type)
                .register(registry);
    }

    void connectionOpened() {
        connections.increment();
        active.incrementAndGet();
    }

    void connectionClosed() {
        active.decrementAndGet();
    }

    void streamOpened(String outbound) {
        Counter.builder("anytls4j.inbound.streams.opened")
                .description("Outbound streams opened for the inbound's clients")
                .tag("inbound", inbound).tag("type", type).tag("outbound", outbound)
                .register(registry).increment();
    }

    void streamFailed(String outbound, String reason) {
        Counter.builder("anytls4j.inbound.streams.failed")
                .description("Outbound stream opens that failed, by reason")
                .tag("inbound", inbound).tag("type", type).tag("outbound", outbound).tag("reason", reason)
                .register(registry).increment();
    }

    /** Bytes read from the client and written to {@code outbound}. */
    public Counter upload(String outbound) {
        return bytes(outbound, "upload");
    }

    /** Bytes read from {@code outbound} and written to the client. */
    public Counter download(String outbound) {
        return bytes(outbound, "download");
    }

    private Counter bytes(String outbound, String direction) {
        return Counter.builder("anytls4j.inbound.bytes")
                .description("Bytes relayed between the inbound's clients and the outbound")
                .baseUnit("bytes")
                .tag("inbound", inbound).tag("type", type).tag("outbound", outbound).tag("direction", direction)
                .register(registry);
    }

    String inboundTag() {
        return inbound;
    }
}
