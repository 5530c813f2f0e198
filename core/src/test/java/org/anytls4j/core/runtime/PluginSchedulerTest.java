package org.anytls4j.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.anytls4j.core.testing.LogCapture;
import org.junit.jupiter.api.Test;

/** A plugin's scheduling handle: it cannot shut the host's scheduler down, and its tasks end with its owner. */
class PluginSchedulerTest {

    @Test
    void aTaskThatThrowsIsLoggedWithItsOwnerAndTheSchedulerGoesOn() throws Exception {
        ScheduledExecutorService host = Executors.newSingleThreadScheduledExecutor();
        try (LogCapture logs = LogCapture.of("org.anytls4j")) {
            PluginScheduler plugin = new PluginScheduler("plugin=heartbeat", host);
            ScheduledFuture<?> failing = plugin.schedule(() -> {
                throw new IllegalStateException("plugin bug");
            }, 1, TimeUnit.MILLISECONDS);

            assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasRootCauseMessage("plugin bug");
            assertThat(logs.lines(Level.WARN)).contains("plugin=heartbeat: scheduled task failed");
            assertThat(plugin.submit(() -> "still running").get(10, TimeUnit.SECONDS)).isEqualTo("still running");
            assertThat(host.isShutdown()).isFalse();
        } finally {
            host.shutdownNow();
        }
    }

    @Test
    void itCannotBeShutDownAndCancelAllEndsItsTasksOnly() {
        ScheduledExecutorService host = Executors.newSingleThreadScheduledExecutor();
        try {
            PluginScheduler mine = new PluginScheduler("plugin=a", host);
            PluginScheduler other = new PluginScheduler("plugin=b", host);
            ScheduledFuture<?> periodic = mine.scheduleAtFixedRate(() -> { }, 1, 1, TimeUnit.HOURS);
            ScheduledFuture<?> theirs = other.schedule(() -> { }, 1, TimeUnit.HOURS);

            assertThatThrownBy(mine::shutdown).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("plugin=a");
            assertThatThrownBy(mine::shutdownNow).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> mine.awaitTermination(1, TimeUnit.SECONDS))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThat(mine.pendingTasks()).isEqualTo(1);

            mine.cancelAll();

            assertThat(periodic.isCancelled()).isTrue();
            assertThat(theirs.isCancelled()).isFalse();
            assertThat(host.isShutdown()).isFalse();
            assertThatThrownBy(() -> mine.schedule(() -> { }, 1, TimeUnit.SECONDS))
                    .isInstanceOf(RejectedExecutionException.class);
        } finally {
            host.shutdownNow();
        }
    }
}
