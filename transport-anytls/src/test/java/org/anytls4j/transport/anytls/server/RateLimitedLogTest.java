package org.anytls4j.transport.anytls.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One line per period and cause, with the count of events since the last line, on a fake clock. */
class RateLimitedLogTest {
    private final AtomicLong now = new AtomicLong(1_000);
    /** Tasks scheduled, with the time they are due. */
    private final List<Map.Entry<Long, Runnable>> scheduled = new ArrayList<>();
    private final RateLimitedLog log = new RateLimitedLog(now::get, Duration.ofSeconds(10),
            (task, delay) -> scheduled.add(Map.entry(now.get() + delay, task)));
    private final List<String> lines = new ArrayList<>();

    private void event(String cause) {
        log.event(cause, (count, period) -> lines.add(cause + " " + count + " in " + period));
    }

    /** Advances the clock and runs the tasks that are due. */
    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
        List<Map.Entry<Long, Runnable>> due = scheduled.stream().filter(e -> e.getKey() <= now.get()).toList();
        scheduled.removeAll(due);
        due.forEach(e -> e.getValue().run());
    }

    @Test
    void theFirstEventIsLoggedAtOnceAndTheRestAtTheEndOfThePeriodWithTheirCount() {
        event("refused");
        for (int i = 0; i < 8976; i++) {
            event("refused");
        }
        assertThat(lines).containsExactly("refused 1 in 10s");
        assertThat(scheduled).as("one line due at the end of the period, not one per event").hasSize(1);
        advance(Duration.ofSeconds(10).minusNanos(1));
        assertThat(lines).hasSize(1);
        advance(Duration.ofNanos(1));
        assertThat(lines).containsExactly("refused 1 in 10s", "refused 8976 in 10s");
        event("refused"); // within the next period: counted, logged at its end
        advance(Duration.ofSeconds(10));
        assertThat(lines).containsExactly("refused 1 in 10s", "refused 8976 in 10s", "refused 1 in 10s");
        advance(Duration.ofMinutes(1));
        assertThat(lines).as("nothing to report, nothing logged").hasSize(3);
    }

    @Test
    void anEventDueBeforeTheLateFlushLogsEverythingAndTheFlushNothing() {
        event("refused");
        event("refused");
        now.addAndGet(Duration.ofSeconds(11).toNanos()); // the scheduler is late
        event("refused");
        assertThat(lines).containsExactly("refused 1 in 10s", "refused 2 in 10s");
        advance(Duration.ZERO);
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
