package org.anytls4j.plugin.minidle;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.anytls4j.api.CloseReason;
import org.anytls4j.core.testing.LogCapture;
import org.anytls4j.core.testing.PoolHarness;
import org.junit.jupiter.api.Test;

/** min_idle inside a real pool, with the core's idle cleanup closing what it does not protect. */
class MinIdlePoolTest {
    @Test
    void guideScenarioKeepsTheNewestThreeWithTimersResetAndClosesTwo() {
        try (LogCapture logs = LogCapture.of("org.anytls4j");
             PoolHarness h = PoolHarness.of("idle_session_check_interval = 6m, idle_session_timeout = 5m, "
                     + "min_idle_session = 3", List.of(new MinIdlePolicyFactory()), List.of()).start()) {
            List<Channel> streams = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                streams.add(h.open());
            }
            streams.forEach(Channel::close);                // 5 sessions idle since 0
            assertThat(h.idleSeqs()).containsExactly(5L, 4L, 3L, 2L, 1L);

            h.advance(Duration.ofMinutes(6));               // one run, all idle 6 min

            assertThat(h.idleSeqs()).containsExactly(5L, 4L, 3L);
            assertThat(h.pool.snapshot().idle()).allSatisfy(s ->
                    assertThat(s.idleSinceNanos()).isEqualTo(Duration.ofMinutes(6).toNanos()));
            assertThat(h.connector.session(1).closeReason()).contains(CloseReason.IDLE_TIMEOUT);
            assertThat(h.connector.session(2).closeReason()).contains(CloseReason.IDLE_TIMEOUT);
            assertThat(logs.lines()).contains(
                    "outbound=hk [IdleCleanup] Found 5 expired sessions (timeout=5m0s), closing 2 (keeping 3 to "
                            + "maintain min_idle_session=3, current=5)",
                    "outbound=hk session=#2 closed reason=idle-timeout idle=6m0s",
                    "outbound=hk session=#1 closed reason=idle-timeout idle=6m0s");
            assertThat(logs.linesContaining("closing all")).isEmpty();
        }
    }

    @Test
    void poolMdSection7ExampleLeavesS9AndS7() {
        try (PoolHarness h = PoolHarness.of("idle_session_check_interval = 100s, min_idle_session = 2",
                List.of(new MinIdlePolicyFactory()), List.of()).start()) {
            List<Channel> streams = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                streams.add(h.open());                      // seqs 1..4 stand for S3, S5, S7, S9
            }
            h.advanceTo(Duration.ofSeconds(10));
            streams.get(0).close();                         // "S3" idle 90 s at 100 s
            h.advanceTo(Duration.ofSeconds(30));
            streams.get(1).close();                         // "S5" idle 70 s
            h.advanceTo(Duration.ofSeconds(50));
            streams.get(2).close();                         // "S7" idle 50 s
            h.advanceTo(Duration.ofSeconds(90));
            streams.get(3).close();                         // "S9" idle 10 s

            h.advanceTo(Duration.ofSeconds(100));

            assertThat(h.idleSeqs()).containsExactly(4L, 3L);
            assertThat(h.connector.activeSessions()).extracting(s -> s.seq()).containsExactly(3L, 4L);
        }
    }
}
