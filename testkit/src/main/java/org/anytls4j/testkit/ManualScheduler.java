package org.anytls4j.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} that runs nothing by itself: tasks run when the test calls {@link #advance}
 * or {@link #runDueTasks()}, in deadline order (ties in submission order), with the {@link FakeTicker} moved to
 * each task's deadline before it runs. Stands in for the pool's scheduler and for sessions' event loops, so a
 * test steps time like OkHttp's {@code ConnectionPoolTest} or gRPC's {@code FakeClock}.
 *
 * <p>{@link #execute} schedules at the current time: the task runs at the next {@code advance} or
 * {@code runDueTasks}. Periodic tasks (fixed rate or fixed delay) are supported. A task that throws makes the
 * next {@code advance}/{@code runDueTasks} fail with that exception, so a bug in a timer never goes unnoticed.
 *
 * <h2>Threading</h2>
 * Submission is thread-safe; tasks run on the thread that calls {@code advance}. Not for real I/O threads.
 *
 * <h2>Lifecycle</h2>
 * After {@link #shutdown()} new tasks are rejected; queued ones still run when time advances, as a real
 * executor finishes its queue ({@link #shutdownNow()} drops them).
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final FakeTicker ticker;
    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
    private final List<Throwable> failures = new ArrayList<>();
    private long nextSeq;
    private boolean shutdown;

    public ManualScheduler(FakeTicker ticker) {
        this.ticker = ticker;
    }

    public FakeTicker ticker() {
        return ticker;
    }

    /** Moves time forward by {@code duration}, running every task that falls due on the way, in order. */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time never goes back, was " + duration);
        }
        runUntil(ticker.nanoTime() + duration.toNanos());
    }

    /** Moves time to {@code nanos} (absolute ticker reading), running what falls due on the way. */
    public void advanceTo(long nanos) {
        runUntil(nanos);
    }

    /** Runs the tasks due now (including those they submit for now) without moving time. */
    public void runDueTasks() {
        runUntil(ticker.nanoTime());
    }

    /** Tasks waiting to run, periodic ones included. */
    public synchronized int pendingTasks() {
        return queue.size();
    }

    /** Deadline of the next task on the ticker, or -1 when none is queued. */
    public synchronized long nextDeadlineNanos() {
        Task<?> head = queue.peek();
        return head == null ? -1 : head.deadlineNanos;
    }

    private void runUntil(long targetNanos) {
        while (true) {
            Task<?> task;
            synchronized (this) {
                task = queue.peek();
                if (task == null || task.deadlineNanos > targetNanos) {
                    break;
                }
                queue.poll();
            }
            if (task.deadlineNanos > ticker.nanoTime()) {
                ticker.setNanos(task.deadlineNanos);
            }
            task.run();
        }
        if (targetNanos > ticker.nanoTime()) {
            ticker.setNanos(targetNanos);
        }
        List<Throwable> failed;
        synchronized (this) {
            failed = List.copyOf(failures);
            failures.clear();
        }
        if (!failed.isEmpty()) {
            AssertionError error = new AssertionError("a scheduled task failed: " + failed.get(0), failed.get(0));
            failed.stream().skip(1).forEach(error::addSuppressed);
            throw error;
        }
    }

    private synchronized <V> Task<V> enqueue(Task<V> task) {
        if (shutdown) {
            throw new RejectedExecutionException("ManualScheduler is shut down");
        }
        queue.add(task);
        return task;
    }

    private synchronized void requeue(Task<?> task) {
        if (!task.isCancelled()) {
            queue.add(task);
        }
    }

    private synchronized void remove(Task<?> task) {
        queue.remove(task);
    }

    private synchronized void recordFailure(Throwable failure) {
        failures.add(failure);
    }

    private synchronized long nextSeq() {
        return nextSeq++;
    }

    private long deadline(long delay, TimeUnit unit) {
        return ticker.nanoTime() + Math.max(0, unit.toNanos(delay));
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return enqueue(new Task<>(Executors.callable(command, null), deadline(delay, unit), 0));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return enqueue(new Task<>(callable, deadline(delay, unit), 0));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        if (period <= 0) {
            throw new IllegalArgumentException("period must be > 0, was " + period);
        }
        return enqueue(new Task<>(Executors.callable(command, null), deadline(initialDelay, unit), unit.toNanos(period)));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        if (delay <= 0) {
            throw new IllegalArgumentException("delay must be > 0, was " + delay);
        }
        return enqueue(new Task<>(Executors.callable(command, null), deadline(initialDelay, unit), -unit.toNanos(delay)));
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> dropped = new ArrayList<>(queue);
        queue.clear();
        return dropped;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && queue.isEmpty();
    }

    /** Never waits: time only moves when the test moves it. Returns whether the queue is already empty. */
    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    /** One queued task; {@code periodNanos} 0 = one-shot, > 0 fixed rate, < 0 fixed delay. */
    private final class Task<V> extends FutureTask<V> implements RunnableScheduledFuture<V> {
        private final long periodNanos;
        private final long seq = nextSeq();
        private long deadlineNanos;

        Task(Callable<V> callable, long deadlineNanos, long periodNanos) {
            super(callable);
            this.deadlineNanos = deadlineNanos;
            this.periodNanos = periodNanos;
        }

        @Override
        public void run() {
            if (periodNanos == 0) {
                super.run();
            } else if (super.runAndReset()) {
                deadlineNanos = periodNanos > 0 ? deadlineNanos + periodNanos : ticker.nanoTime() - periodNanos;
                requeue(this);
            }
        }

        @Override
        protected void setException(Throwable t) {
            super.setException(t);
            recordFailure(t);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            remove(this);
            return cancelled;
        }

        @Override
        public boolean isPeriodic() {
            return periodNanos != 0;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(deadlineNanos - ticker.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            if (other instanceof Task<?> task) {
                int byDeadline = Long.compare(deadlineNanos, task.deadlineNanos);
                return byDeadline != 0 ? byDeadline : Long.compare(seq, task.seq);
            }
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }
    }
}
