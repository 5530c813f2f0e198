package org.anytls4j.plugin.heartbeat;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.anytls4j.api.metrics.Metrics;
import org.anytls4j.api.monitor.MonitoredSession;
import org.anytls4j.api.monitor.SessionMonitor;
import org.anytls4j.api.outbound.Heartbeat;
import org.anytls4j.api.pool.PolicyContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code heartbeat} monitor of one outbound: gives every session a {@link SessionHeartbeat}, which probes a
 * session only after an interval with nothing received and takes any read as proof of life (POOL.md section 8.7,
 * "This project"). A session's first look is delayed by the interval plus a jitter drawn uniformly from
 * [0, interval / 5) with the context's random source, so sessions created together do not beat together.
 * Sessions whose transport lacks the {@link Heartbeat} capability are left alone (logged at debug).
 *
 * <h2>Metrics (tag {@code outbound})</h2>
 * Timer {@code anytls4j.heartbeat.rtt} (round-trip time of answered probes) and counter
 * {@code anytls4j.heartbeat.misses} (probes after which a peer known to answer sent nothing at all within
 * {@code heartbeat_timeout} while the session was reading), in the
 * plugin's metrics.
 *
 * <h2>Threading and lifecycle</h2>
 * {@link #attach} may be called from any thread, for many sessions concurrently; each session's machine then runs
 * on that session's event loop. {@link #close()} stops every machine still running and removes the meters.
 */
final class HeartbeatMonitor implements SessionMonitor {
    private static final Logger log = LoggerFactory.getLogger(HeartbeatMonitor.class);

    private final PolicyContext context;
    private final HeartbeatSettings settings;
    private final Metrics.Timer rtt;
    private final Metrics.Counter misses;
    private final Set<SessionHeartbeat> running = ConcurrentHashMap.newKeySet();

    HeartbeatMonitor(HeartbeatSettings settings, PolicyContext context) {
        this.settings = settings;
        this.context = context;
        Metrics metrics = context.metrics();
        this.rtt = metrics.timer("anytls4j.heartbeat.rtt", "Round-trip time of answered heartbeats",
                "outbound", context.outboundTag());
        this.misses = metrics.counter("anytls4j.heartbeat.misses",
                "Heartbeats after which a peer that answers heartbeats sent nothing within "
                        + "heartbeat_timeout while the session was reading", "outbound", context.outboundTag());
    }

    @Override
    public void attach(MonitoredSession session) {
        Optional<Heartbeat> pinger = session.capability(Heartbeat.class);
        if (pinger.isEmpty()) {
            log.debug("outbound={} session=#{} [Heartbeat] the transport offers no heartbeat; not monitored",
                    context.outboundTag(), session.seq());
            return;
        }
        long intervalNanos = settings.interval().toNanos();
        long jitterBound = intervalNanos / 5;
        long jitter = jitterBound > 0 ? context.random().nextLong(jitterBound) : 0;
        SessionHeartbeat[] self = new SessionHeartbeat[1];
        self[0] = new SessionHeartbeat(context.outboundTag(), session, pinger.get(), settings, context.ticker(), rtt,
                misses, () -> running.remove(self[0]));
        running.add(self[0]);
        self[0].start(intervalNanos + jitter);
    }

    /** Machines still running, for tests and diagnostics. */
    int running() {
        return running.size();
    }

    @Override
    public void close() {
        running.forEach(SessionHeartbeat::stop);
        rtt.remove();
        misses.remove();
    }
}
