package org.anytls4j.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.outbound.Heartbeat;

/**
 * The {@link Heartbeat} capability of a {@link FakeSession}, under the test's control. By default every probe stays
 * unanswered until the test calls {@link #answerAll}; {@link #autoAnswer} answers each probe at once with a fixed
 * round-trip time, {@link #failWrites} makes probes fail as a broken connection would, and
 * {@link #peerAnswers(boolean)} plays a v1 peer (false) that never answers.
 *
 * <h2>Threading</h2>
 * Used from the test thread (which also runs the {@link ManualScheduler}); answers complete on the caller's thread.
 */
public final class FakeHeartbeat implements Heartbeat {
    private final FakeSession session;
    private final List<CompletableFuture<Long>> pending = new ArrayList<>();
    private int pings;
    private boolean peerAnswers = true;
    private long autoAnswerNanos = -1;
    private boolean failWrites;
    private Heartbeat.Observation observation;

    FakeHeartbeat(FakeSession session) {
        this.session = session;
    }

    @Override
    public synchronized CompletionStage<Long> ping() {
        pings++;
        if (!session.isActive()) {
            return CompletableFuture.failedFuture(new IOException("session #" + session.seq() + " is closed"));
        }
        if (failWrites) {
            return CompletableFuture.failedFuture(new IOException("heartbeat write failed (fake)"));
        }
        if (autoAnswerNanos >= 0 && peerAnswers) {
            return CompletableFuture.completedFuture(autoAnswerNanos);
        }
        CompletableFuture<Long> answer = new CompletableFuture<>();
        pending.add(answer);
        return answer;
    }

    @Override
    public synchronized void observed(Heartbeat.Observation published) {
        observation = published;
    }

    @Override
    public synchronized Optional<Heartbeat.Observation> lastObservation() {
        return Optional.ofNullable(observation);
    }

    @Override
    public synchronized boolean peerAnswers() {
        return peerAnswers;
    }

    /** Plays a v2 peer (true, the default) or a v1 peer that never answers (false). */
    public synchronized FakeHeartbeat peerAnswers(boolean answers) {
        this.peerAnswers = answers;
        return this;
    }

    /** Answers every later probe at once with this round-trip time; null returns to manual answers. */
    public synchronized FakeHeartbeat autoAnswer(Duration rtt) {
        this.autoAnswerNanos = rtt == null ? -1 : rtt.toNanos();
        return this;
    }

    /** Makes later probes fail as if the write failed. */
    public synchronized FakeHeartbeat failWrites(boolean fail) {
        this.failWrites = fail;
        return this;
    }

    /** Answers every pending probe with this round-trip time; returns how many were answered. */
    public int answerAll(Duration rtt) {
        List<CompletableFuture<Long>> answering;
        synchronized (this) {
            answering = List.copyOf(pending);
            pending.clear();
        }
        answering.forEach(answer -> answer.complete(rtt.toNanos()));
        return answering.size();
    }

    /** Probes sent so far. */
    public synchronized int pings() {
        return pings;
    }

    /** Probes still waiting for an answer. */
    public synchronized int pendingPings() {
        return (int) pending.stream().filter(answer -> !answer.isDone()).count();
    }

    /** Fails what is pending: the session closed. */
    void sessionClosed() {
        List<CompletableFuture<Long>> failing;
        synchronized (this) {
            failing = List.copyOf(pending);
            pending.clear();
        }
        failing.forEach(answer -> answer.completeExceptionally(new IOException("session closed")));
    }
}
