package org.anytls4j.api.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ListenerGuardTest {
    private final AtomicLong now = new AtomicLong();
    private final ListenerGuard guard = new ListenerGuard("inbound=test", now::get, Duration.ofSeconds(1),
            Duration.ofSeconds(4), Duration.ofSeconds(10));
    private final EmbeddedChannel listener = new EmbeddedChannel(guard);
    private final List<Throwable> handedOff = new ArrayList<>();
    private Thread.UncaughtExceptionHandler before;

    @BeforeEach
    void recordUncaught() {
        listener.freezeTime();
        before = Thread.currentThread().getUncaughtExceptionHandler();
        Thread.currentThread().setUncaughtExceptionHandler((thread, error) -> handedOff.add(error));
    }

    @AfterEach
    void restore() {
        Thread.currentThread().setUncaughtExceptionHandler(before);
        listener.finishAndReleaseAll();
    }

    private static IOException emfile() {
        return new IOException("accept(..) failed: Too many open files");
    }

    private void advance(long millis) {
        listener.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
        listener.runScheduledPendingTasks();
    }

    @Test
    void anAcceptErrorPausesAcceptingAndIsConsumed() {
        listener.pipeline().fireExceptionCaught(emfile());

        assertThat(listener.config().isAutoRead()).isFalse();
        listener.checkException(); // nothing reached the tail: no Netty stack trace

        advance(999);
        assertThat(listener.config().isAutoRead()).isFalse();
        advance(1);
        assertThat(listener.config().isAutoRead()).isTrue();
    }

    @Test
    void thePauseDoublesWhileAcceptsKeepFailingUpToTheCapAndResetsAfterAnAccept() {
        long[] expected = {1000, 2000, 4000, 4000};
        for (long pause : expected) {
            listener.pipeline().fireExceptionCaught(emfile());
            advance(pause - 1);
            assertThat(listener.config().isAutoRead()).as("paused for %d ms", pause).isFalse();
            advance(1);
            assertThat(listener.config().isAutoRead()).isTrue();
        }

        EmbeddedChannel accepted = new EmbeddedChannel();
        listener.writeInbound(accepted);
        listener.pipeline().fireExceptionCaught(emfile());
        advance(1000);

        assertThat(listener.config().isAutoRead()).as("back to the first pause").isTrue();
        assertThat((Object) listener.readInbound()).isSameAs(accepted);
        accepted.finishAndReleaseAll();
    }

    @Test
    void failuresWhilePausedDoNotStackPauses() {
        listener.pipeline().fireExceptionCaught(emfile());
        listener.pipeline().fireExceptionCaught(emfile());
        listener.pipeline().fireExceptionCaught(emfile());

        advance(1000);

        assertThat(listener.config().isAutoRead()).isTrue();
    }

    @Test
    void otherExceptionsPassOn() {
        listener.pipeline().fireExceptionCaught(new IllegalStateException("not an accept error"));

        assertThatThrownBy(listener::checkException).isInstanceOf(IllegalStateException.class);
        assertThat(listener.config().isAutoRead()).isTrue();
    }

    @Test
    void anErrorOnTheListenerGoesToTheThreadsUncaughtExceptionHandler() {
        OutOfMemoryError oom = new OutOfMemoryError("test");

        listener.pipeline().fireExceptionCaught(oom);

        assertThat(handedOff).containsExactly(oom);
        listener.checkException();
    }

    @Test
    void everyAcceptedConnectionHandsOffErrorsFiredFromItsHeadAndCloses() {
        EmbeddedChannel accepted = new EmbeddedChannel();
        listener.writeInbound(accepted);
        assertThat(accepted.pipeline().names().get(0)).isEqualTo(ListenerGuard.CHILD_GUARD_NAME);
        OutOfMemoryError direct = new OutOfMemoryError("failed to allocate 65536 byte(s) of direct memory");

        accepted.pipeline().fireExceptionCaught(new RuntimeException("wrapped", direct));

        assertThat(handedOff).containsExactly(direct);
        assertThat(accepted.isOpen()).isFalse();
        listener.readInbound();
    }

    @Test
    void acceptedConnectionsPassOtherExceptionsOn() {
        EmbeddedChannel accepted = new EmbeddedChannel();
        listener.writeInbound(accepted);

        accepted.pipeline().fireExceptionCaught(new IOException("connection reset"));

        assertThatThrownBy(accepted::checkException).isInstanceOf(IOException.class);
        assertThat(handedOff).isEmpty();
        listener.readInbound();
        accepted.finishAndReleaseAll();
    }
}
