package org.anytls4j.core.runtime;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduling handle one plugin gets ({@code PluginContext.scheduler()}): the host's shared scheduler, which the
 * plugin cannot shut down ({@link #shutdown}, {@link #shutdownNow} and {@link #awaitTermination} throw
 * {@link UnsupportedOperationException}); every task it scheduled is cancelled when its owner (the plugin's run, or
 * one outbound's pool) closes ({@link #cancelAll}), after which new tasks are rejected; a task that throws is logged
 * with the owner's name and the scheduler goes on (the exception stays in the task's future).
 *
 * <h2>Threading</h2>
 * Thread-safe.
 */
public final class PluginScheduler implements ScheduledExecutorService {
    private static final Logger log = LoggerFactory.getLogger(PluginScheduler.class);
    /** Finished tasks are forgotten once at least this many are tracked (then twice as many as remained). */
    private static final int PURGE_AT = 64;

    private final String owner;
    private final ScheduledExecutorService delegate;
    private final Set<Future<?>> tasks = ConcurrentHashMap.newKeySet();
    private volatile boolean cancelled;
    /** Amortizes the purge: a handle with many pending timers (a server's connections) scans rarely. */
    private volatile int purgeAt = PURGE_AT;

    /**
     * @param owner    who the tasks belong to, for the log: {@code plugin=pool-ensure-idle} or
     *                 {@code plugin=heartbeat outbound=proxy}
     * @param delegate the host's scheduler (or, for one pool, its plugin's handle)
     */
    public PluginScheduler(String owner, ScheduledExecutorService delegate) {
        this.owner = requireNonNull(owner, "owner");
        this.delegate = requireNonNull(delegate, "delegate");
    }

    /** Cancels every task scheduled through this handle and rejects new ones. Idempotent; for the host only. */
    public void cancelAll() {
        cancelled = true;
        List<Future<?>> all = new ArrayList<>(tasks);
        tasks.clear();
        all.forEach(task -> task.cancel(false));
        if (!all.isEmpty()) {
            log.debug("{}: cancelled {} scheduled task(s) at close", owner, all.size());
        }
    }

    /** Tasks scheduled and not yet finished or cancelled. */
    public int pendingTasks() {
        tasks.removeIf(Future::isDone);
        return tasks.size();
    }

    private <F extends Future<?>> F track(F future) {
        if (tasks.size() >= purgeAt) {
            tasks.removeIf(Future::isDone);
            purgeAt = Math.max(PURGE_AT, tasks.size() * 2);
        }
        tasks.add(future);
        if (cancelled) {
            future.cancel(false);                       // raced with cancelAll
        }
        return future;
    }

    private void checkOpen() {
        if (cancelled) {
            throw new RejectedExecutionException(owner + ": closed; no new task is accepted");
        }
    }

    private Runnable guarded(Runnable task) {
        requireNonNull(task, "task");
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("{}: scheduled task failed", owner, e);
                throw e;
            }
        };
    }

    private <T> Callable<T> guarded(Callable<T> task) {
        requireNonNull(task, "task");
        return () -> {
            try {
                return task.call();
            } catch (Exception e) {
                log.warn("{}: scheduled task failed", owner, e);
                throw e;
            }
        };
    }

    private <T> List<Callable<T>> guarded(Collection<? extends Callable<T>> tasks) {
        List<Callable<T>> wrapped = new ArrayList<>(tasks.size());
        tasks.forEach(task -> wrapped.add(guarded(task)));
        return wrapped;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        checkOpen();
        return track(delegate.schedule(guarded(command), delay, unit));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        checkOpen();
        return track(delegate.schedule(guarded(callable), delay, unit));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        checkOpen();
        return track(delegate.scheduleAtFixedRate(guarded(command), initialDelay, period, unit));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        checkOpen();
        return track(delegate.scheduleWithFixedDelay(guarded(command), initialDelay, delay, unit));
    }

    @Override
    public void execute(Runnable command) {
        submit(command);
    }

    @Override
    public Future<?> submit(Runnable task) {
        checkOpen();
        return track(delegate.submit(guarded(task)));
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        checkOpen();
        return track(delegate.submit(guarded(task), result));
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        checkOpen();
        return track(delegate.submit(guarded(task)));
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        checkOpen();
        return delegate.invokeAll(guarded(tasks));
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        checkOpen();
        return delegate.invokeAll(guarded(tasks), timeout, unit);
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        checkOpen();
        return delegate.invokeAny(guarded(tasks));
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        checkOpen();
        return delegate.invokeAny(guarded(tasks), timeout, unit);
    }

    /** Refused: the scheduler is the host's, shared by every plugin. */
    @Override
    public void shutdown() {
        throw refused("shutdown");
    }

    /** Refused: the scheduler is the host's, shared by every plugin. */
    @Override
    public List<Runnable> shutdownNow() {
        throw refused("shutdownNow");
    }

    /** Refused: the scheduler is the host's and ends with it. */
    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        throw refused("awaitTermination");
    }

    private UnsupportedOperationException refused(String method) {
        UnsupportedOperationException e = new UnsupportedOperationException(method + "(): the scheduler is the "
                + "host's, shared by every plugin (" + owner + "); its tasks are cancelled when it closes");
        log.warn("{}: {}", owner, e.getMessage());
        return e;
    }

    /** Whether the host's scheduler is shut down. */
    @Override
    public boolean isShutdown() {
        return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return delegate.isTerminated();
    }

    @Override
    public String toString() {
        return "PluginScheduler[" + owner + "]";
    }
}
