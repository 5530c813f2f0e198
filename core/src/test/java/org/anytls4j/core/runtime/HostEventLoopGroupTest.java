package org.anytls4j.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A plugin is lent the host's event loops (NettyResources) but cannot shut them down; the host still can. */
class HostEventLoopGroupTest {
    @Test
    void aPluginCannotShutDownTheHostsLoopsNorOneOfThemAndTheHostStillCan() throws Exception {
        DefaultNettyResources resources = new DefaultNettyResources(new FatalErrors(status -> { }));
        try {
            EventLoop loop = resources.workerGroup().next();

            assertThatThrownBy(() -> resources.workerGroup().shutdownGracefully())
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("shut down by the host only");
            assertThatThrownBy(() -> loop.shutdownGracefully(0, 1, TimeUnit.SECONDS))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> resources.bossGroup().next().shutdownGracefully())
                    .isInstanceOf(UnsupportedOperationException.class);

            CompletableFuture<String> ran = new CompletableFuture<>();
            loop.execute(() -> ran.complete(Thread.currentThread().getName()));
            assertThat(ran.get(5, TimeUnit.SECONDS)).startsWith("anytls4j-io");
            assertThat(resources.workerGroup().isShuttingDown()).isFalse();
        } finally {
            resources.close();
        }
        assertThat(resources.workerGroup().isTerminated()).isTrue();
        assertThat(resources.bossGroup().isTerminated()).isTrue();
    }
}
