package org.anytls4j.api.inbound;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.Experimental;
import org.anytls4j.api.Ticker;

/**
 * The accept-error throttle of a listening socket, and the hand-off of fatal errors: put one on every server
 * bootstrap, {@code new ServerBootstrap()...handler(new ListenerGuard("inbound=" + tag))}.
 *
 * <h2>Accept errors (EMFILE)</h2>
 * When {@code accept} fails with an {@link IOException} (typically "Too many open files" when the process runs out
 * of descriptors), Netty fires it through the listener's pipeline, where it would reach the tail and be logged with a
 * stack trace once a second for as long as it lasts. This handler consumes it instead: it turns {@code autoRead} off
 * on the listener for a pause (1 s at first, doubling while accepts keep failing, at most 16 s), then on again; the
 * connections waiting meanwhile stay in the kernel's accept queue. It logs one WARN when the trouble starts and then
 * at most one per period (10 s) with the count, the cause's message and no stack trace
 * ({@code inbound=in accept failed 37 times in the last 10 s: accept(..) failed: Too many open files; accepting
 * paused for 4000 ms}), and one INFO when an accept succeeds again.
 *
 * <h2>Errors</h2>
 * An {@link Error} (say an {@code OutOfMemoryError}) fired through the listener's pipeline, or through the pipeline
 * of a connection it accepted (this handler puts a small guard first in each accepted pipeline: errors of the read
 * loop, such as failing to allocate a read buffer, start there), is handed to the current thread's
 * {@link Thread.UncaughtExceptionHandler} as if it had escaped: the host's event loop threads log it and halt the
 * process so that the service manager restarts it. Handlers that handle exceptions themselves can call
 * {@link #handOffIfFatal(Throwable)} first, for the same effect.
 *
 * <h2>Threading and lifecycle</h2>
 * One instance per listener (not sharable); all state is touched on the listener's event loop.
 */
@Experimental
public final class ListenerGuard extends ChannelInboundHandlerAdapter {
    /** The name of the guard first in every accepted connection's pipeline. */
    public static final String CHILD_GUARD_NAME = "fatal-error-guard";
    static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
    static final Duration MAX_PAUSE = Duration.ofSeconds(16);
    static final Duration LOG_PERIOD = Duration.ofSeconds(10);
    private static final int MAX_CAUSES = 8;
    private static final InternalLogger log = InternalLoggerFactory.getInstance(ListenerGuard.class);

    private final String logPrefix;
    private final Ticker ticker;
    private final long firstPauseNanos;
    private final long maxPauseNanos;
    private final long logPeriodNanos;

    private long nextPauseNanos;
    private boolean paused;
    /** Failed accepts since the last WARN. */
    private long unreported;
    /** Failed accepts since the last successful one; 0 when all is well. */
    private long failedSinceAccept;
    private long lastWarnNanos;

    /**
     * @param logPrefix what every log line starts with, {@code inbound=<tag>} (or {@code admin})
     */
    public ListenerGuard(String logPrefix) {
        this(logPrefix, Ticker.SYSTEM, FIRST_PAUSE, MAX_PAUSE, LOG_PERIOD);
    }

    /** With a clock and timings of its own (tests). */
    public ListenerGuard(String logPrefix, Ticker ticker, Duration firstPause, Duration maxPause, Duration logPeriod) {
        this.logPrefix = requireNonNull(logPrefix, "logPrefix");
        this.ticker = requireNonNull(ticker, "ticker");
        this.firstPauseNanos = firstPause.toNanos();
        this.maxPauseNanos = Math.max(firstPauseNanos, maxPause.toNanos());
        this.logPeriodNanos = logPeriod.toNanos();
        this.nextPauseNanos = firstPauseNanos;
        if (firstPauseNanos <= 0 || logPeriodNanos <= 0) {
            throw new IllegalArgumentException("firstPause and logPeriod must be positive");
        }
    }

    /**
     * If {@code cause} is, or is caused by, an {@link Error}, hands that error to the current thread's uncaught-
     * exception handler (on the host's threads: log and halt) and returns true; otherwise returns false.
     */
    public static boolean handOffIfFatal(Throwable cause) {
        Error error = errorIn(cause);
        if (error == null) {
            return false;
        }
        Thread thread = Thread.currentThread();
        thread.getUncaughtExceptionHandler().uncaughtException(thread, error);
        return true;
    }

    /** The first {@link Error} among {@code thrown} and its causes (at most 8 deep), or null. */
    public static Error errorIn(Throwable thrown) {
        Throwable current = thrown;
        for (int depth = 0; current != null && depth < MAX_CAUSES; depth++) {
            if (current instanceof Error error) {
                return error;
            }
            current = current.getCause();
        }
        return null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Channel child) {
            child.pipeline().addFirst(CHILD_GUARD_NAME, ChildGuard.INSTANCE);
            if (failedSinceAccept > 0) {
                log.info("{} accepting again after {} failed accepts", logPrefix, failedSinceAccept);
                failedSinceAccept = 0;
                unreported = 0;
                nextPauseNanos = firstPauseNanos;
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (handOffIfFatal(cause)) {
            return;
        }
        if (!(cause instanceof IOException)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        long now = ticker.nanoTime();
        boolean first = failedSinceAccept == 0;
        failedSinceAccept++;
        unreported++;
        long pause = nextPauseNanos;
        if (!paused) {
            paused = true;
            nextPauseNanos = Math.min(maxPauseNanos, nextPauseNanos * 2);
            ctx.channel().config().setAutoRead(false);
            ctx.executor().schedule(() -> resume(ctx), pause, TimeUnit.NANOSECONDS);
        }
        if (first) {
            log.warn("{} accept failed: {}; accepting paused for {} ms, doubling up to {} ms while it persists",
                    logPrefix, cause.getMessage(), TimeUnit.NANOSECONDS.toMillis(pause),
                    TimeUnit.NANOSECONDS.toMillis(maxPauseNanos));
            lastWarnNanos = now;
            unreported = 0;
        } else if (now - lastWarnNanos >= logPeriodNanos) {
            log.warn("{} accept failed {} times in the last {} s: {}; accepting paused for {} ms", logPrefix,
                    unreported, TimeUnit.NANOSECONDS.toSeconds(now - lastWarnNanos), cause.getMessage(),
                    TimeUnit.NANOSECONDS.toMillis(pause));
            lastWarnNanos = now;
            unreported = 0;
        }
    }

    private void resume(ChannelHandlerContext ctx) {
        paused = false;
        if (ctx.channel().isOpen()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** Whether accepting is paused now (tests). */
    boolean paused() {
        return paused;
    }

    /**
     * First in every accepted pipeline: an {@link Error} fired from the head (the read loop's own failures) is handed
     * off and the connection closed; everything else passes on unchanged.
     */
    @ChannelHandler.Sharable
    static final class ChildGuard extends ChannelInboundHandlerAdapter {
        static final ChildGuard INSTANCE = new ChildGuard();

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (handOffIfFatal(cause)) {
                ctx.close();
            } else {
                ctx.fireExceptionCaught(cause);
            }
        }
    }
}
