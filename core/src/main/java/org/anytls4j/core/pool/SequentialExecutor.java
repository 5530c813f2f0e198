package org.anytls4j.core.pool;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared executor (Guava's {@code SequentialExecutor}): the lane
 * on which one pool calls its policies, so that a policy's methods never run concurrently, without a thread per
 * pool. A task submitted from a task runs after it. With an inline executor ({@code Runnable::run}), or once the
 * executor rejects tasks (shut down), the submitting thread drains the lane.
 *
 * <h2>Threading</h2>
 * Thread-safe. A task that throws is logged; the lane goes on.
 */
final class SequentialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SequentialExecutor.class);

    private final String name;
    private final Executor delegate;
    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    SequentialExecutor(String name, Executor delegate) {
        this.name = name;
        this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
        queue.add(task);
        schedule();
    }

    private void schedule() {
        if (queue.isEmpty() || !scheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            delegate.execute(this::drain);
        } catch (RejectedExecutionException e) {
            // The host is shutting its executor down: the submitting thread drains, so a pool's closing (which
            // tells its policies on the lane) still completes.
            log.debug("{}: executor shut down; draining on the calling thread", name);
            drain();
        }
    }

    private void drain() {
        try {
            SerialContext.runAll(queue, name);
        } finally {
            scheduled.set(false);
        }
        schedule();
    }
}
