package org.anytls4j.core.pool;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serial context that owns one pool's state (gRPC's {@code SynchronizationContext} pattern): tasks run one at a
 * time, in the order they were submitted, on whichever thread submitted while nobody else was draining. A thread
 * that submits while another drains does not wait: its task runs on the draining thread, after the ones before it.
 * So an inbound event loop opening a stream never blocks on the pool; uncontended, its task runs inline at once.
 *
 * <p>Tasks must be short and must not block, and they never run plugin code: policies run on their own executor,
 * against a snapshot, and their decisions are applied here. A task that throws is logged and does not stop the
 * tasks after it.
 *
 * <h2>Threading</h2>
 * Thread-safe. A task submitted from inside a task runs after the current one, on the same thread.
 */
final class SerialContext implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialContext.class);

    private final String name;
    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Thread> drainingThread = new AtomicReference<>();

    SerialContext(String name) {
        this.name = name;
    }

    /** Runs {@code task} after every task submitted before it; inline when no other thread is draining. */
    @Override
    public void execute(Runnable task) {
        queue.add(task);
        drain();
    }

    /**
     * Runs {@code task} in the context and returns its result, waiting while another thread drains. Only for
     * callers off the I/O path (admin views, gauges, the maintenance run); inside the context it runs inline.
     */
    <T> T call(Supplier<T> task) {
        if (inContext()) {
            return task.get();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                result.complete(task.get());
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        return result.join();
    }

    /** Whether the current thread is running this context's tasks. */
    boolean inContext() {
        return drainingThread.get() == Thread.currentThread();
    }

    private void drain() {
        do {
            if (!drainingThread.compareAndSet(null, Thread.currentThread())) {
                return;
            }
            try {
                runAll(queue, name);
            } finally {
                drainingThread.set(null);
            }
            // A task added after the last poll but before the release would otherwise wait for the next submitter.
        } while (!queue.isEmpty());
    }

    /** Runs the queued tasks until the queue is empty; a task that throws is logged and the others still run. */
    static void runAll(Queue<Runnable> queue, String name) {
        Runnable task;
        while ((task = queue.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("{} task failed; the tasks after it still run", name, e);
            }
        }
    }

    @Override
    public String toString() {
        return "SerialContext[" + name + "]";
    }
}
