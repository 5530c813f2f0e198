package org.anytls4j.testkit.scan;

import org.anytls4j.api.outbound.Session;

/** A "monitor" written against the transport's Session: no Netty import, yet Netty through Session. */
final class UsesSession {
    long seqOf(Session session) {
        return session.seq();
    }
}
