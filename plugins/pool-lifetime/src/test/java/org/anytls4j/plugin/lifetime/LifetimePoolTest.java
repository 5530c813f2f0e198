package org.anytls4j.plugin.lifetime;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.List;
import org.anytls4j.api.CloseReason;
import org.anytls4j.core.testing.PoolHarness;
import org.junit.jupiter.api.Test;

/** The lifetime policy inside a real pool: the race of POOL.md 8.4 fixed, expired sessions never handed out. */
class LifetimePoolTest {
    private static PoolHarness pool(String hocon) {
        return PoolHarness.of("idle_session_timeout = 1h, " + hocon, List.of(new LifetimePolicyFactory()), List.of())
                .start();
    }

    @Test
    void aSessionThatExpiredWhileBusyIsNotHandedOutAgainAndIsClosedRightAfter() {
        try (PoolHarness h = pool("max_connection_lifetime = 10m")) {
            Channel stream = h.open();                               // #1, created at 0
            h.advanceTo(Duration.ofMinutes(11));                     // busy past its lifetime: not cut
            assertThat(h.connector.session(1).isActive()).isTrue();
            stream.close();                                          // back in the pool, expired

            h.open();                                                // must not get #1
            assertThat(h.busySeqs()).containsExactly(2L);
            assertThat(h.idleSeqs()).containsExactly(1L);

            h.advance(Duration.ofMillis(1));                         // the refusal brought a run forward
            assertThat(h.connector.session(1).closeReason()).contains(CloseReason.MAX_AGE);
            assertThat(h.meter("anytls4j.pool.sessions.closed", "reason", "max-age")).isEqualTo(1);
        }
    }

    @Test
    void anIdleSessionIsClosedAtItsExpiryNotAtTheNextRegularCheck() {
        try (PoolHarness h = pool("idle_session_check_interval = 1m, max_connection_lifetime = 90s")) {
            h.open().close();                                        // #1 idle, created at 0
            h.advanceTo(Duration.ofSeconds(60));                     // run at 60 s asks again at 90 s
            assertThat(h.connector.session(1).isActive()).isTrue();
            h.advanceTo(Duration.ofSeconds(90));
            assertThat(h.connector.session(1).closeReason()).contains(CloseReason.MAX_AGE);
        }
    }
}
