package org.anytls4j.core.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Settings that make two policies certain to undo each other are reported by {@code check} (issue 11). */
class PolicyConflictsTest {
    private static final PoolSettings POOL = new PoolSettings(Duration.ofSeconds(30), Duration.ofSeconds(30), 1,
            List.of());

    private static List<String> conflicts(String hocon) {
        return PolicyConflicts.certain("proxy", ConfigFactory.parseString(hocon), POOL);
    }

    @Test
    void aLifetimeShorterThanTheCheckIntervalWithEnsureIsACertainConflict() {
        assertThat(conflicts("ensure_idle_session = 3, max_connection_lifetime = 20s, connection_lifetime_jitter = 5s"))
                .containsExactly("outbound=proxy policies lifetime and ensure_idle will undo each other: "
                        + "max_connection_lifetime=20s (+5s jitter) is shorter than idle_session_check_interval=30s, "
                        + "so every session ensure_idle_session=3 creates expires before the next run and is closed "
                        + "and created again, run after run; make max_connection_lifetime longer than the check "
                        + "interval");
    }

    @Test
    void longerLifetimesNoEnsureNoLifetimeAndMinIdleBelowEnsureAreFine() {
        assertThat(conflicts("ensure_idle_session = 3, max_connection_lifetime = 20s, connection_lifetime_jitter = 10s"))
                .isEmpty();
        assertThat(conflicts("ensure_idle_session = 3, max_connection_lifetime = 1h")).isEmpty();
        assertThat(conflicts("ensure_idle_session = 0, max_connection_lifetime = 10s")).isEmpty();
        assertThat(conflicts("ensure_idle_session = 3, max_connection_lifetime = 0s")).isEmpty();
        assertThat(conflicts("ensure_idle_session = 5, min_idle_session = 2")).isEmpty();
    }
}
