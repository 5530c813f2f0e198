package org.anytls4j.core.runtime;

import static java.util.Objects.requireNonNull;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.anytls4j.api.inbound.ListenerGuard;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Hands every {@link Error} that Netty catches and logs to {@link FatalErrors}. Netty never lets a throwable out of
 * a task, a future listener or the end of a pipeline: it logs it at WARN ("A task raised an exception", "An
 * exception was thrown by ...operationComplete()", "An exceptionCaught() event was fired, and it reached at the tail
 * of the pipeline", "Unexpected exception from an event executor") and carries on, so an OutOfMemoryError there
 * would otherwise leave a process that looks alive. This filter sees each of those log calls (a Logback turbo
 * filter runs before the level check) and reports an Error found in the logged throwable or its causes.
 *
 * <p>Only loggers under {@code io.netty.} and only WARN and above: Netty logs expected Errors at DEBUG while it
 * probes the platform (an {@code UnsatisfiedLinkError} when a native library does not load). Never denies or
 * changes a log line. Installed once per process by the launcher's {@code Main}, not by in-JVM tests.
 *
 * <h2>Threading</h2>
 * Thread-safe and stateless apart from its {@link FatalErrors}.
 */
public final class NettyErrorWatch extends TurboFilter {
    private final FatalErrors fatal;

    public NettyErrorWatch(FatalErrors fatal) {
        this.fatal = requireNonNull(fatal, "fatal");
    }

    /** Adds a watch for {@code fatal} to Logback, once; does nothing when Logback is not the SLF4J binding. */
    public static void install(FatalErrors fatal) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                && context.getTurboFilterList().stream().noneMatch(NettyErrorWatch.class::isInstance)) {
            NettyErrorWatch watch = new NettyErrorWatch(fatal);
            watch.start();
            context.addTurboFilter(watch);
        }
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                              Throwable t) {
        if (format == null || level == null || !level.isGreaterOrEqual(Level.WARN)
                || !logger.getName().startsWith("io.netty.")) {
            return FilterReply.NEUTRAL;
        }
        Error error = ListenerGuard.errorIn(t);
        if (error == null && params != null) {
            for (Object param : params) {
                error = param instanceof Throwable thrown ? ListenerGuard.errorIn(thrown) : null;
                if (error != null) {
                    break;
                }
            }
        }
        if (error != null) {
            fatal.fatal(Thread.currentThread(), error);
        }
        return FilterReply.NEUTRAL;
    }
}
