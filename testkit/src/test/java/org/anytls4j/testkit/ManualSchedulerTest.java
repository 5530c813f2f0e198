package org.anytls4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ManualSchedulerTest {
    private final FakeTicker ticker = new FakeTicker();
    private final ManualScheduler scheduler = new ManualScheduler(ticker);
    private final List<String> ran = new ArrayList<>();

    private Runnable record(String name) {
        return () -> ran.add(name + "@" + ticker.elapsed().toMillis());
    }

    @Test
    void runsDueTasksInDeadlineOrderWithTheClockAtEachDeadline() {
        scheduler.schedule(record("b"), 20, TimeUnit.MILLISECONDS);
        scheduler.schedule(record("a"), 10, TimeUnit.MILLISECONDS);
        scheduler.schedule(record("c"), 20, TimeUnit.MILLISECONDS);
        scheduler.advance(Duration.ofMillis(15));
        assertThat(ran).containsExactly("a@10");
        assertThat(ticker.elapsed()).isEqualTo(Duration.ofMillis(15));
        scheduler.advance(Duration.ofMillis(100));
        assertThat(ran).containsExactly("a@10", "b@20", "c@20");
        assertThat(ticker.elapsed()).isEqualTo(Duration.ofMillis(115));
    }

    @Test
    void executeRunsAtTheNextStepAndTasksMayScheduleMoreForTheSameStep() {
        scheduler.execute(() -> {
            ran.add("first");
            scheduler.schedule(record("nested"), 5, TimeUnit.MILLISECONDS);
        });
        assertThat(ran).isEmpty();
        scheduler.runDueTasks();
        assertThat(ran).containsExactly("first");
        scheduler.advance(Duration.ofMillis(5));
        assertThat(ran).containsExactly("first", "nested@5");
    }

    @Test
    void periodicTasksRepeatAtFixedRateOrFixedDelayUntilCancelledKeepingTheirFirstSubmissionOrderOnTies() {
        ScheduledFuture<?> rate = scheduler.scheduleAtFixedRate(record("rate"), 10, 30, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(record("delay"), 0, 50, TimeUnit.MILLISECONDS);
        scheduler.advance(Duration.ofMillis(100));
        assertThat(ran).containsExactly("delay@0", "rate@10", "rate@40", "delay@50", "rate@70", "rate@100", "delay@100");
        rate.cancel(false);
        ran.clear();
        scheduler.advance(Duration.ofMillis(60));
        assertThat(ran).containsExactly("delay@150");
        assertThat(scheduler.pendingTasks()).isEqualTo(1);
    }

    @Test
    void aCancelledTaskNeverRuns() {
        ScheduledFuture<?> task = scheduler.schedule(record("x"), 1, TimeUnit.SECONDS);
        assertThat(task.getDelay(TimeUnit.MILLISECONDS)).isEqualTo(1000);
        task.cancel(false);
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(ran).isEmpty();
        assertThat(scheduler.nextDeadlineNanos()).isEqualTo(-1);
    }

    @Test
    void aFailingTaskFailsTheStepThatRanIt() {
        scheduler.schedule(() -> {
            throw new IllegalStateException("boom");
        }, 1, TimeUnit.SECONDS);
        scheduler.schedule(record("after"), 2, TimeUnit.SECONDS);
        assertThatThrownBy(() -> scheduler.advance(Duration.ofSeconds(3)))
                .isInstanceOf(AssertionError.class).hasRootCauseMessage("boom");
        assertThat(ran).containsExactly("after@2000");
    }

    @Test
    void rejectsTasksAfterShutdown() {
        scheduler.shutdown();
        assertThatThrownBy(() -> scheduler.execute(record("late"))).isInstanceOf(RejectedExecutionException.class);
        assertThat(scheduler.isTerminated()).isTrue();
    }
}
