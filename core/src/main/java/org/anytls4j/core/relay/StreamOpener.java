package org.anytls4j.core.relay;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Outbound;

/** Calls {@link Outbound#open} so that an outbound that throws instead of failing its stage still fails a stage. */
public final class StreamOpener {
    private StreamOpener() {
    }

    public static CompletionStage<Channel> open(Outbound outbound, Destination destination, EventLoop eventLoop) {
        try {
            return outbound.open(destination, eventLoop);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
