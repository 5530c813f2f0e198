package org.anytls4j.transport.anytls.client;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server of one outbound has proved on any of its sessions (POOL.md section 8.7, "This project"): that it
 * speaks protocol version 2 or later (it sent ServerSettings {@code v >= 2}), and that it answers heartbeats (a
 * HeartResponse came back). A session learns the server's version only from the server's first frames, so a
 * pre-warmed session that never carried a stream would otherwise know nothing: it could not tell a silent server
 * from a v1 server, and neither its heartbeat nor its SYNACK watchdog could judge it. With this record, every new
 * session of the outbound is watched from its first probe and its first stream.
 *
 * <p>A session whose server announces a version below 2 means the server was replaced: everything is forgotten
 * (and relearnt from the next proof).
 *
 * <h2>Threading and lifecycle</h2>
 * Thread-safe (sessions of one outbound run on different event loops). One per {@link AnytlsSessionConnector},
 * i.e. per outbound; nothing is persisted.
 */
public final class ServerKnowledge {
    private static final Logger log = LoggerFactory.getLogger(ServerKnowledge.class);

    private final String outbound;
    private volatile boolean v2;
    private volatile boolean answersHeartbeats;

    /** @param outbound the outbound tag, for log lines */
    public ServerKnowledge(String outbound) {
        this.outbound = outbound;
    }

    /** True once a session's server announced version 2 or later (and no later session announced less). */
    public boolean knowsV2() {
        return v2;
    }

    /** True once a session's server answered a heartbeat (or announced v2: a v2 server answers them). */
    public boolean answersHeartbeats() {
        return answersHeartbeats || v2;
    }

    /** A session's server announced {@code version} in ServerSettings. */
    void versionAnnounced(long seq, int version) {
        if (version >= 2) {
            if (!v2) {
                v2 = true;
                log.debug("outbound={} session=#{} server speaks version {}: new sessions are watched from their "
                        + "first stream", outbound, seq, version);
            }
            return;
        }
        if (v2 || answersHeartbeats) {
            v2 = false;
            answersHeartbeats = false;
            log.info("outbound={} session=#{} server announced version {}: it was replaced; forgetting what the "
                    + "previous server proved", outbound, seq, version);
        }
    }

    /** A session's server answered a heartbeat. */
    void heartbeatAnswered() {
        answersHeartbeats = true;
    }
}
