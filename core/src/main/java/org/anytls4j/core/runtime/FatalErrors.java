package org.anytls4j.core.runtime;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the process does when an {@link Error} (an {@link OutOfMemoryError}, a {@link StackOverflowError}, a
 * {@code NoClassDefFoundError}...) escapes on a thread of ours, or when an event loop ends while nobody shut it
 * down: log it at ERROR and halt with {@link #EXIT_STATUS}, so that the service manager restarts a fresh process
 * instead of a zombie keeping the listening port without accepting.
 *
 * <p>Why halt and not exit: {@link Runtime#exit} runs the shutdown hooks, and a hook that waits for an event loop
 * that died (the launcher's graceful stop does) would wedge the process; {@link Runtime#halt} cannot hang. Why not
 * carry on: after an Error the state of the thread that threw it (a half-updated session, a leaked buffer, a loop
 * that no longer runs) cannot be trusted, and a process that looks alive to the service manager but no longer
 * serves is the worst outcome.
 *
 * <p>Memory: the first call frees a preallocated reserve before logging, and the OOM line is a constant, so that
 * the log line has a chance to be written even when the heap is full; if logging fails anyway a preallocated line
 * is written to standard error. The process halts even if both fail.
 *
 * <h2>Threading</h2>
 * Thread-safe; while one fatal report logs and halts, others are dropped (a second thread failing meanwhile is
 * halted with the rest). {@link #process()} is the one instance the launcher installs as the default uncaught-exception handler;
 * tests create their own with a recording {@link Halter}.
 */
public final class FatalErrors implements Thread.UncaughtExceptionHandler {
    /**
     * The exit status after a fatal error: 3, the status the JVM itself exits with under
     * {@code -XX:+ExitOnOutOfMemoryError}, so that both ways out of an OOM look the same to the service manager.
     */
    public static final int EXIT_STATUS = 3;

    private static final Logger log = LoggerFactory.getLogger(FatalErrors.class);
    private static final String OOM_LINE = "fatal: OutOfMemoryError ({}) on an anytls4j thread; halting the process "
            + "(exit status 3) so that the service manager restarts it";
    private static final byte[] LAST_RESORT = ("anytls4j fatal error; halting (exit status 3)"
            + System.lineSeparator()).getBytes(StandardCharsets.US_ASCII);
    private static final int HALT_ATTEMPTS = 1000;
    private static volatile boolean armed;
    private static final FatalErrors PROCESS = new FatalErrors(status -> {
        if (armed) {
            Runtime.getRuntime().halt(status);
        }
    });

    /** Ends the process; {@link Runtime#halt} in production. */
    @FunctionalInterface
    public interface Halter {
        void halt(int status);
    }

    private final Halter halter;
    private boolean reporting;
    @SuppressWarnings("unused") // released on the first fatal report, so that logging it can allocate
    private volatile byte[] reserve = new byte[256 << 10];

    public FatalErrors(Halter halter) {
        this.halter = requireNonNull(halter, "halter");
    }

    /**
     * The process-wide instance: it logs, and halts with {@link Runtime#halt} once {@link #armProcessHalt()} was
     * called. Until then (in-JVM uses of the launcher: tests, an embedding application) it only logs, because a
     * library must not halt the JVM it is embedded in.
     */
    public static FatalErrors process() {
        return PROCESS;
    }

    /** Lets {@link #process()} halt the JVM: {@code Main}, the process entry point, calls it first thing. */
    public static void armProcessHalt() {
        armed = true;
    }

    /**
     * An uncaught throwable on {@code thread}: an {@link Error} is fatal; an exception is logged at ERROR (the thread
     * ends, which for a thread of ours is a bug to fix, not a reason to stop serving).
     */
    @Override
    public void uncaughtException(Thread thread, Throwable failure) {
        if (failure instanceof Error error) {
            fatal(thread, error);
        } else {
            try {
                log.error("thread {} ended with an uncaught exception", thread.getName(), failure);
            } catch (Throwable ignored) {
                // nothing more can be done for an exception we cannot even log
            }
        }
    }

    /**
     * Logs {@code error} (thrown on {@code thread}) at ERROR and halts. Returns only when the halter returns (a test's,
     * or the unarmed process instance), after which the next fatal error is reported again.
     */
    public void fatal(Thread thread, Error error) {
        if (!begin()) {
            return;
        }
        try {
            if (error instanceof OutOfMemoryError) {
                log.error(OOM_LINE, error.getMessage());
            } else {
                log.error("fatal: {} on thread {}; halting the process (exit status {}) so that the service manager "
                        + "restarts it", error, thread.getName(), EXIT_STATUS, error);
            }
        } catch (Throwable logging) {
            lastResort();
        } finally {
            halt();
        }
    }

    /** An event loop thread ended while its group was not shut down (Netty caught what ended it). */
    void loopEnded(Thread thread) {
        if (!begin()) {
            return;
        }
        try {
            log.error("fatal: event loop thread {} ended unexpectedly (see the lines above); halting the process "
                    + "(exit status {}) so that the service manager restarts it", thread.getName(), EXIT_STATUS);
        } catch (Throwable logging) {
            lastResort();
        } finally {
            halt();
        }
    }

    /**
     * Whether this call reports (no other report is under way); frees the reserve. A monitor, not an atomic: the
     * first compare-and-set of an atomic links a VarHandle invoker, which allocates; with an AtomicBoolean here a
     * real heap exhaustion (FatalErrorLaunchTest) ended in "OutOfMemoryError thrown from the
     * UncaughtExceptionHandler", no report, and a process that kept its port with no worker loop left.
     */
    private boolean begin() {
        synchronized (this) {
            if (reporting) {
                return false;
            }
            reporting = true;
        }
        reserve = null;
        return true;
    }

    /**
     * Calls the halter, again if it throws (on a full heap even linking a call can fail with an OutOfMemoryError,
     * and another attempt may find the memory some other thread released). When the halter returns (tests), the
     * next fatal error is reported again.
     */
    private void halt() {
        for (int attempt = 0; attempt < HALT_ATTEMPTS; attempt++) {
            try {
                halter.halt(EXIT_STATUS);
                break;
            } catch (Throwable notYet) {
                Thread.yield();
            }
        }
        synchronized (this) {
            reporting = false;
        }
    }

    private static void lastResort() {
        try {
            System.err.write(LAST_RESORT, 0, LAST_RESORT.length);
            System.err.flush();
        } catch (Throwable ignored) {
            // halt regardless
        }
    }
}
