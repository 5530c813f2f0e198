package org.anytls4j.testkit;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.api.outbound.SessionConnector;

/**
 * A {@link SessionConnector} that makes {@link FakeSession}s. By default every connect succeeds at once; with
 * {@link #manual()} connects wait until the test calls {@link #completeNext()} / {@link #completeAll()} /
 * {@link #failPending}, to play slow handshakes. {@link #failNext} scripts failures, {@link #failAll} plays a server
 * that is down. As the contract says, a sequence number is taken only when a connect succeeds.
 *
 * <h2>Threading</h2>
 * Thread-safe; completions run on the thread that completes (the test thread).
 *
 * <h2>Lifecycle</h2>
 * After {@link #close()} every connect fails; connects still pending stay pending until the test settles them. A
 * pending connect whose future the caller cancelled still makes its session when completed, and closes it at once
 * (reason shutdown), as the AnyTLS connector does.
 */
public final class FakeConnector implements SessionConnector {
    private final Ticker ticker;
    private final ScheduledExecutorService sessionExecutor;
    private final List<FakeSession> sessions = new ArrayList<>();
    private final Deque<Pending> pending = new ArrayDeque<>();
    private final Deque<Throwable> scriptedFailures = new ArrayDeque<>();
    private Consumer<FakeSession> customizer = session -> { };
    private Throwable failAll;
    private boolean manual;
    private boolean uncancellable;
    private boolean closed;
    private int attempts;

    /**
     * @param ticker          stamps {@link Session#createdNanos()}
     * @param sessionExecutor every session's {@link Session#executor()}, normally the test's {@link ManualScheduler}
     */
    public FakeConnector(Ticker ticker, ScheduledExecutorService sessionExecutor) {
        this.ticker = ticker;
        this.sessionExecutor = sessionExecutor;
    }

    /** Connects wait for the test from now on. */
    public synchronized FakeConnector manual() {
        this.manual = true;
        return this;
    }

    /**
     * Connects return stages that cannot be cancelled ({@link CompletableFuture#minimalCompletionStage()}), to play a
     * connector that ignores cancellation and delivers its session anyway.
     */
    public synchronized FakeConnector uncancellable() {
        this.uncancellable = true;
        return this;
    }

    /** Connects succeed at once from now on (the default). */
    public synchronized FakeConnector automatic() {
        this.manual = false;
        return this;
    }

    /** Runs on every new session before it is handed to the caller, e.g. {@code s -> s.heartbeat().peerAnswers(false)}. */
    public synchronized FakeConnector customize(Consumer<FakeSession> customizer) {
        this.customizer = customizer;
        return this;
    }

    /** The next connect fails with {@code failure} (queued: call several times for several failures). */
    public synchronized FakeConnector failNext(Throwable failure) {
        scriptedFailures.add(failure);
        return this;
    }

    /** Every connect fails with {@code failure} until called with null. */
    public synchronized FakeConnector failAll(Throwable failure) {
        this.failAll = failure;
        return this;
    }

    @Override
    public CompletionStage<Session> connect(LongSupplier sequencer) {
        Pending attempt = new Pending(sequencer, new CompletableFuture<>());
        Throwable failure;
        CompletionStage<Session> stage;
        synchronized (this) {
            attempts++;
            stage = uncancellable ? attempt.future.minimalCompletionStage() : attempt.future;
            failure = closed ? new IOException("connector closed")
                    : failAll != null ? failAll : scriptedFailures.poll();
            if (failure == null && manual) {
                pending.add(attempt);
                return stage;
            }
        }
        if (failure != null) {
            attempt.future.completeExceptionally(failure);
        } else {
            succeed(attempt);
        }
        return stage;
    }

    /** Completes the oldest pending connect; returns its session. */
    public FakeSession completeNext() {
        Pending attempt;
        synchronized (this) {
            attempt = pending.poll();
        }
        if (attempt == null) {
            throw new IllegalStateException("no connect is pending");
        }
        return succeed(attempt);
    }

    /** Completes every pending connect; returns their sessions in order. */
    public List<FakeSession> completeAll() {
        List<FakeSession> made = new ArrayList<>();
        while (pendingConnects() > 0) {
            made.add(completeNext());
        }
        return made;
    }

    /** Fails every pending connect with {@code failure}; returns how many. */
    public int failPending(Throwable failure) {
        List<Pending> failing;
        synchronized (this) {
            failing = List.copyOf(pending);
            pending.clear();
        }
        failing.forEach(attempt -> attempt.future.completeExceptionally(failure));
        return failing.size();
    }

    private FakeSession succeed(Pending attempt) {
        FakeSession session = new FakeSession(attempt.sequencer.getAsLong(), ticker.nanoTime(), sessionExecutor);
        Consumer<FakeSession> customizing;
        synchronized (this) {
            sessions.add(session);
            customizing = customizer;
        }
        customizing.accept(session);
        if (!attempt.future.complete(session)) {
            // The caller cancelled the connect: the session is nobody's, so close it, as a real connector must.
            session.close(CloseReason.SHUTDOWN);
        }
        return session;
    }

    /** Connects waiting for the test. */
    public synchronized int pendingConnects() {
        return pending.size();
    }

    /** Every connect call so far, failed ones included. */
    public synchronized int attempts() {
        return attempts;
    }

    /** Every session made so far, in order of creation. */
    public synchronized List<FakeSession> sessions() {
        return List.copyOf(sessions);
    }

    /** The sessions made so far that are still active. */
    public synchronized List<FakeSession> activeSessions() {
        return sessions.stream().filter(FakeSession::isActive).toList();
    }

    /** The session with this seq. */
    public synchronized FakeSession session(long seq) {
        return sessions.stream().filter(s -> s.seq() == seq).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no session #" + seq));
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    private record Pending(LongSupplier sequencer, CompletableFuture<Session> future) {
    }
}
