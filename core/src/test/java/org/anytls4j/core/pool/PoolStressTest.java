package org.anytls4j.core.pool;

import static org.anytls4j.core.testing.PoolHarness.DESTINATION;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.pool.CreationBackoffException;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.api.pool.PooledSession;
import org.anytls4j.testkit.FakeSession;
import org.anytls4j.core.testing.PoolHarness;
import org.junit.jupiter.api.Test;

/**
 * Many threads open, use and close streams while policies (on their own threads) close and create sessions, a
 * vetting policy refuses some, the "server" drops sessions and another thread reads snapshots (issue 9, section 2).
 * Invariants: every open completes, and fails only for a reason the pool documents; no session a policy closed was
 * carrying a stream; every snapshot is consistent; once quiet, the pool's sessions are exactly the live ones and
 * nothing is busy or being created; after close every session is closed. Netty's leak detector (paranoid) checks the
 * streams.
 */
class PoolStressTest {
    private static final int WORKERS = 6;
    private static final int OPENS_PER_WORKER = 300;

    @Test
    void concurrentStreamsPoliciesAndDroppedSessionsKeepThePoolConsistent() throws Exception {
        ExecutorService policyThreads = Executors.newCachedThreadPool();
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS + 2);
        ScriptedPolicy churn = new ScriptedPolicy("churn", 300, true).deciding((pool, now) -> {
            // Closes the oldest idle session whenever more than one is idle.
            List<PooledSession> idle = pool.idle();
            return idle.size() > 1 ? Decision.of(List.of(PoolAction.close(idle.get(idle.size() - 1).seq(),
                    CloseReason.MAX_AGE, "churn"))) : Decision.nothing();
        });
        ScriptedPolicy fill = new ScriptedPolicy("fill", 400, true).deciding((pool, now) -> {
            int missing = 2 - pool.idle().size() - pool.creating("ensure");
            return missing > 0 ? Decision.of(List.of(PoolAction.create(missing, "ensure"))) : Decision.nothing();
        });
        ScriptedPolicy veto = new ScriptedPolicy("veto", 350, true);
        veto.handOut = (session, now) -> session.seq() % 5 != 0;
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        PoolHarness h = PoolHarness.of("max_streams_per_session = 2, session_create_probation = 0s, "
                + "idle_session_check_interval = 10s", List.of(churn, fill, veto), List.of(), policyThreads);
        h.connector.customize(session -> session.closeFuture().whenComplete((reason, e) -> {
            if (CloseReason.MAX_AGE.equals(reason) && !session.streams().isEmpty()) {
                problems.add("session #" + session.seq() + " closed by a policy while carrying a stream");
            }
        }));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        try {
            h.start();
            List<Future<?>> work = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                work.add(workers.submit(() -> {
                    go.await();
                    for (int i = 0; i < OPENS_PER_WORKER; i++) {
                        try {
                            Channel stream = h.pool.open(DESTINATION, null).toCompletableFuture()
                                    .get(10, TimeUnit.SECONDS);
                            opened.incrementAndGet();
                            stream.close();
                        } catch (ExecutionException e) {
                            Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause()
                                    : e.getCause();
                            // A session dropped between hand-out and open (after the one retry), or the back-off.
                            if (!(cause instanceof IOException) && !(cause instanceof CreationBackoffException)) {
                                problems.add("open failed unexpectedly: " + cause);
                            }
                            failed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            Future<?> chaos = workers.submit(() -> {
                SplittableRandom random = new SplittableRandom(7);
                go.await();
                while (running.get()) {
                    h.advance(Duration.ofMillis(500));           // maintenance runs fall due
                    List<FakeSession> active = h.connector.activeSessions();
                    if (!active.isEmpty() && random.nextInt(3) == 0) {
                        active.get(random.nextInt(active.size())).close(CloseReason.PEER_CLOSE);
                    }
                    Thread.yield();
                }
                return null;
            });
            Future<?> watcher = workers.submit(() -> {
                go.await();
                while (running.get()) {
                    check(h.pool.snapshot(), problems);
                }
                return null;
            });
            go.countDown();
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
            running.set(false);
            chaos.get(10, TimeUnit.SECONDS);
            watcher.get(10, TimeUnit.SECONDS);
            policyThreads.shutdown();
            assertThat(policyThreads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

            assertThat(problems).isEmpty();
            assertThat(opened.get() + failed.get()).isEqualTo(WORKERS * OPENS_PER_WORKER);
            assertThat(opened.get()).isGreaterThan(WORKERS * OPENS_PER_WORKER / 2);
            PoolSnapshot quiet = h.pool.snapshot();
            assertThat(quiet.busy()).isEmpty();
            assertThat(quiet.creating()).isZero();
            Set<Long> activeSeqs = new HashSet<>();
            h.connector.activeSessions().forEach(s -> activeSeqs.add(s.seq()));
            Set<Long> pooled = new HashSet<>();
            quiet.idle().forEach(s -> pooled.add(s.seq()));
            assertThat(pooled).isEqualTo(activeSeqs);
            assertThat(h.meter("anytls4j.pool.sessions.live")).isEqualTo(activeSeqs.size());

            h.pool.closeAsync().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(h.connector.activeSessions()).isEmpty();
            assertThat(h.connector.sessions()).allMatch(s -> s.streams().isEmpty());
        } finally {
            running.set(false);
            workers.shutdownNow();
            policyThreads.shutdownNow();
            h.close();
        }
    }

    private static void check(PoolSnapshot snapshot, ConcurrentLinkedQueue<String> problems) {
        Set<Long> seen = new HashSet<>();
        for (PooledSession s : snapshot.idle()) {
            if (!seen.add(s.seq()) || s.openStreams() != 0 || !s.idle()) {
                problems.add("inconsistent idle session in " + snapshot);
            }
        }
        for (PooledSession s : snapshot.busy()) {
            // 0 streams: its last stream ended as the server dropped it; it leaves the pool when its close is seen.
            if (!seen.add(s.seq()) || s.openStreams() < 0 || s.openStreams() > 2 || s.idle()) {
                problems.add("inconsistent busy session in " + snapshot);
            }
        }
        if (snapshot.creating() < 0 || snapshot.creating("ensure") > snapshot.creating()) {
            problems.add("inconsistent creations in " + snapshot);
        }
    }
}
