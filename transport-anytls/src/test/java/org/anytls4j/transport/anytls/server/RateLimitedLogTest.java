package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One line per period and cause, with the count of events since the last line, on a fake clock. */
class RateLimitedLogTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final RateLimitedLog log = new RateLimitedLog(now::get, Duration.ofSeconds(10));
    private final List<String> lines = new ArrayList<>();

    private void event(String cause) {
        log.event(cause, (count, period) -> lines.add(cause + " " + count + " in " + period));
    }

    @Test
    void theFirstEventIsLoggedAtOnceAndTheRestOncePerPeriodWithTheirCount() {
        event("refused");
        for (int i = 0; i < 8975; i++) {
            event("refused");
        }
        assertThat(lines).containsExactly("refused 1 in 10s");
        now.addAndGet(Duration.ofSeconds(10).toNanos() - 1);
        event("refused");
        assertThat(lines).hasSize(1);
        now.addAndGet(1);
        event("refused"); // the period is over: this line reports everything counted since the first
        assertThat(lines).containsExactly("refused 1 in 10s", "refused 8977 in 10s");
        event("refused");
        assertThat(lines).hasSize(2);
    }

    @Test
    void causesAreCountedApart() {
        event("refused");
        event("auth-bad-hash");
        event("refused");
        event("auth-bad-hash");
        assertThat(lines).containsExactly("refused 1 in 10s", "auth-bad-hash 1 in 10s");
    }

    @Test
    void aQuietCauseLogsItsNextEventAtOnce() {
        event("refused");
        now.addAndGet(Duration.ofMinutes(5).toNanos());
        event("refused");
        assertThat(lines).containsExactly("refused 1 in 10s", "refused 1 in 10s");
    }
}
