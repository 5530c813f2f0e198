package org.anytls4j.transport.anytls.server;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.anytls4j.api.inbound.InboundContext;
import org.anytls4j.transport.anytls.tls.TlsFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every connection of one {@code anytls} inbound shares: its settings, the host's context (route, event
 * loops, metrics registry), the meters, the DNS resolver and the session sequence.
 *
 * <h2>Threading and lifecycle</h2>
 * Thread-safe; lives as long as its {@link AnytlsInbound}.
 */
final class ServerRuntime {
    static final Logger LOG = LoggerFactory.getLogger("org.anytls4j.transport.anytls.server");

    final AnytlsInboundSettings settings;
    final InboundContext context;
    final ServerMetrics metrics;
    final HostResolver resolver;
    final String tag;
    /** Lines about events a peer can trigger at will: at most one per period and cause. */
    final RateLimitedLog rateLimited;
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean stopping;

    ServerRuntime(AnytlsInboundSettings settings, InboundContext context, ServerMetrics metrics,
            HostResolver resolver) {
        this.settings = requireNonNull(settings, "settings");
        this.context = requireNonNull(context, "context");
        this.metrics = requireNonNull(metrics, "metrics");
        this.resolver = requireNonNull(resolver, "resolver");
        this.tag = context.inboundTag();
        this.rateLimited = new RateLimitedLog(context.ticker(), RateLimitedLog.DEFAULT_PERIOD, (task, delayNanos) -> {
            try {
                context.scheduler().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                // the host is stopping: the count stays in the meters
            }
        });
    }

    /** Whether the sessions of this inbound hold more than {@code inbound_pending_bytes}: refuse new ones. */
    boolean overBudget() {
        return metrics.pendingBytes() > settings.inboundPendingBytes();
    }

    /**
     * A client failed its TLS handshake. Scanners do that all day, and a client with the wrong pin at every
     * attempt: one DEBUG line per connection, and at most one INFO line per period with their count and the last
     * reason in words ({@link TlsFailures#serverReason}), never a stack trace. An Error is this server's own fault:
     * WARN each time.
     */
    void tlsHandshakeFailed(long session, Object peer, Throwable cause) {
        String format = "inbound={} session=#{} tls handshake failed from {}: {}";
        if (cause instanceof Error || cause.getCause() instanceof Error) {
            LOG.warn(format, tag, session, peer, cause.toString());
            return;
        }
        String reason = TlsFailures.serverReason(cause);
        LOG.debug(format, tag, session, peer, reason);
        rateLimited.event("tls-handshake", (count, period) -> LOG.info(
                "inbound={} {} tls handshakes failed in the last {}, the last from {}: {}", tag, count, period, peer,
                reason));
    }

    /** The number of the next accepted connection, shown as {@code session=#n}. */
    long nextSessionNumber() {
        return sequence.incrementAndGet();
    }

    /** The inbound is stopping: sessions that close now close for {@code shutdown}. */
    void markStopping() {
        stopping = true;
    }

    boolean stopping() {
        return stopping;
    }
}
