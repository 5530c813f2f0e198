package org.anytls4j.core.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a local connection onto the event loop of the stream it is about to be relayed to. A pooled stream lives
 * on its session's loop, which is rarely the loop that accepted the connection; relayed across two loops, every
 * write and flush of either direction becomes a task on the other loop and often a wake-up of its thread (an
 * {@code eventfd} write with epoll), which a profile of a bulk transfer put at ~8 % of the client's CPU. On one
 * loop the relay's writes are plain calls.
 *
 * <p>The move is Netty's own: {@link Channel#deregister()}, then {@link EventLoop#register(Channel)} with the
 * target. Nothing is lost: the connection moves only while it reads nothing ({@code autoRead} off, so what the
 * peer sends meanwhile waits in the socket) and has nothing left to write, and handlers see
 * {@code channelUnregistered} and {@code channelRegistered} but no second {@code channelActive}. If the target
 * refuses the channel, it goes back to its own loop and the relay runs across the two, as before.
 */
public final class LoopMove {
    private static final Logger log = LoggerFactory.getLogger(LoopMove.class);

    private LoopMove() {
    }

    /**
     * Moves {@code ch} to {@code target} when it can and should, then runs {@code then} on the loop {@code ch} is
     * registered with at that point (the target, or its own if it stayed), with {@code null}; if {@code ch} ends up
     * on no loop at all, {@code then} gets the cause and {@code ch} is closed. Call on {@code ch}'s event loop.
     * {@code ch} stays where it is (and {@code then} runs at once) when it is already on {@code target}, when
     * {@code target} is not a loop of {@code group} (a stream of an embedded or foreign loop), or when it is
     * reading or has writes pending.
     */
    public static void moveTo(Channel ch, EventLoop target, EventLoopGroup group, Consumer<Throwable> then) {
        EventLoop own = ch.eventLoop();
        if (own == target || !canMove(ch) || !belongsTo(target, group)) {
            then.accept(null);
            return;
        }
        ch.deregister().addListener(deregistered -> {
            if (!deregistered.isSuccess()) {
                fail(ch, deregistered.cause(), then);
                return;
            }
            target.register(ch).addListener(registered -> {
                if (registered.isSuccess()) {
                    then.accept(null);
                    return;
                }
                log.debug("cannot move {} to {}, staying on its own loop: {}", ch, target,
                        registered.cause().toString());
                own.register(ch).addListener(back -> fail(ch, back.isSuccess() ? null : back.cause(), then));
            });
        });
    }

    private static void fail(Channel ch, Throwable cause, Consumer<Throwable> then) {
        if (cause != null) {
            ch.close();
        }
        then.accept(cause);
    }

    /** Registered, open, not reading, nothing waiting to be written. */
    private static boolean canMove(Channel ch) {
        if (!ch.isRegistered() || !ch.isActive() || ch.config().isAutoRead()) {
            return false;
        }
        ChannelOutboundBuffer pending = ch.unsafe().outboundBuffer();
        return pending != null && pending.size() == 0 && pending.totalPendingWriteBytes() == 0;
    }

    private static boolean belongsTo(EventLoop loop, EventLoopGroup group) {
        for (EventExecutor e : group) {
            if (e == loop) {
                return true;
            }
        }
        return false;
    }
}
