package org.anytls4j.core.pool;

import static org.anytls4j.core.testing.PoolHarness.DESTINATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.Channel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.monitor.SessionMonitor;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.api.outbound.StreamRefusedException;
import org.anytls4j.api.pool.CreationBackoffException;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.core.admin.SessionInfo;
import org.anytls4j.core.testing.PoolHarness;
import org.anytls4j.testkit.FakeSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SessionPoolTest {
    /** What {@code /pool} adds from the session itself (last read, heartbeat), compared on its own. */
    private static final String[] LIVENESS = {"lastRead", "heartbeat"};

    private static final Duration INTERVAL = Duration.ofSeconds(30);
    private static final Duration PROBATION = Duration.ofSeconds(5);
    private PoolHarness harness;

    private PoolHarness pool(String hocon, List<PoolPolicyFactory> policies, List<SessionMonitorFactory> monitors) {
        harness = PoolHarness.of(hocon, policies, monitors);
        return harness;
    }

    private PoolHarness pool(String hocon, PoolPolicyFactory... policies) {
        return pool(hocon, List.of(policies), List.of());
    }

    /** A policy that asks for {@code count} sessions in the run at time 0 and for nothing after. */
    private static ScriptedPolicy creatingAtStart(int count) {
        return new ScriptedPolicy("creator", 400, true)
                .deciding((pool, now) -> now == 0 ? Decision.of(List.of(PoolAction.create(count, "test")))
                        : Decision.nothing());
    }

    /** A started pool over {@code hocon} whose policy asks for {@code count} sessions at once; connects wait. */
    private PoolHarness startedCreating(String hocon, int count) {
        PoolHarness h = pool(hocon, creatingAtStart(count));
        h.connector.manual();
        return h.start();
    }

    @AfterEach
    void closePool() {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void opensOnANewSessionWhenNoneIsIdleAndReturnsItToThePoolWhenTheStreamCloses() {
        PoolHarness h = pool("").start();
        Channel stream = h.open();
        assertThat(h.connector.sessions()).hasSize(1);
        FakeSession session = h.connector.session(1);
        assertThat(session.destinations()).containsExactly(DESTINATION);
        assertThat(h.busySeqs()).containsExactly(1L);
        assertThat(h.idleSeqs()).isEmpty();

        h.advance(Duration.ofSeconds(7));
        stream.close();

        assertThat(h.idleSeqs()).containsExactly(1L);
        assertThat(h.pool.snapshot().idle().get(0).idleSinceNanos()).isEqualTo(Duration.ofSeconds(7).toNanos());
        assertThat(h.meter("anytls4j.pool.sessions.opened", "reason", "demand")).isEqualTo(1);
    }

    @Test
    void reusesTheNewestIdleSessionFirst() {
        PoolHarness h = pool("").start();
        Channel a = h.open();
        Channel b = h.open();
        Channel c = h.open();
        b.close();
        c.close();
        a.close();
        assertThat(h.idleSeqs()).containsExactly(3L, 2L, 1L);

        h.open();
        assertThat(h.idleSeqs()).containsExactly(2L, 1L);
        assertThat(h.busySeqs()).containsExactly(3L);
        assertThat(h.connector.sessions()).hasSize(3);
    }

    @Test
    void carriesOneStreamPerSessionByDefault() {
        PoolHarness h = pool("").start();
        h.open();
        h.open();
        assertThat(h.connector.sessions()).hasSize(2);
        assertThat(h.busySeqs()).containsExactly(2L, 1L);
    }

    @Test
    void sharesABusySessionUpToMaxStreamsPerSession() {
        PoolHarness h = pool("max_streams_per_session = 2").start();
        Channel first = h.open();
        Channel second = h.open();
        h.open();
        assertThat(h.connector.sessions()).hasSize(2);
        assertThat(h.connector.session(1).streams()).hasSize(2);

        first.close();
        assertThat(h.idleSeqs()).isEmpty();
        second.close();
        assertThat(h.idleSeqs()).containsExactly(1L);
    }

    @Test
    void aSessionThatClosesLeavesThePoolAtOnce() {
        PoolHarness h = pool("").start();
        h.open().close();
        assertThat(h.idleSeqs()).containsExactly(1L);
        h.advance(PROBATION);                             // a proven session: its close is no failed creation

        h.connector.session(1).close(CloseReason.PEER_CLOSE);

        assertThat(h.idleSeqs()).isEmpty();
        assertThat(h.meter("anytls4j.pool.sessions.live")).isZero();
        assertThat(h.meter("anytls4j.pool.sessions.closed", "reason", "peer-close")).isEqualTo(1);
        h.open();
        assertThat(h.connector.sessions()).hasSize(2);
    }

    @Test
    void aStreamEndingOnAClosedSessionDoesNotBringItBack() {
        PoolHarness h = pool("").start();
        h.open();
        h.connector.session(1).close(CloseReason.PEER_CLOSE);
        assertThat(h.idleSeqs()).isEmpty();
        assertThat(h.busySeqs()).isEmpty();
    }

    @Test
    void idleCleanupClosesSessionsIdleLongerThanTheTimeoutButNotThoseIdleExactlyThatLong() {
        PoolHarness h = pool("idle_session_timeout = 60s").start();
        h.open().close();                       // #1 idle since 0 s
        h.advance(Duration.ofSeconds(1));
        Channel reused = h.open();              // takes #1
        h.open().close();                       // #2 made on demand, idle since 1 s
        assertThat(h.connector.sessions()).hasSize(2);
        reused.close();                         // #1 idle since 1 s

        h.advanceTo(Duration.ofSeconds(60));    // runs at 30 s, 60 s: idle 59 s
        assertThat(h.idleSeqs()).containsExactly(2L, 1L);
        h.advanceTo(Duration.ofSeconds(90));    // idle 89 s > 60 s
        assertThat(h.idleSeqs()).isEmpty();
        assertThat(h.connector.session(1).closeReason()).contains(CloseReason.IDLE_TIMEOUT);
        assertThat(h.meter("anytls4j.pool.sessions.closed", "reason", "idle-timeout")).isEqualTo(2);
    }

    @Test
    void idleExactlyTheTimeoutIsKept() {
        PoolHarness h = pool("idle_session_timeout = 60s").start();
        h.open().close();                       // idle since 0
        h.advanceTo(Duration.ofSeconds(60));
        assertThat(h.idleSeqs()).containsExactly(1L);
        h.advanceTo(Duration.ofSeconds(90));
        assertThat(h.idleSeqs()).isEmpty();
    }

    @Test
    void firstMaintenanceRunsAtStartThenEveryInterval() {
        ScriptedPolicy policy = new ScriptedPolicy("probe", 500, true);
        PoolHarness h = pool("", policy);
        assertThat(policy.evaluatedAt).isEmpty();
        h.start();
        assertThat(policy.evaluatedAt).containsExactly(0L);
        h.advance(Duration.ofSeconds(65));
        assertThat(policy.evaluatedAt).containsExactly(0L, seconds(30), seconds(60));
    }

    @Test
    void runsEarlierWhenAPolicyAsksButNeverLaterThanTheInterval() {
        ScriptedPolicy policy = new ScriptedPolicy("probe", 500, true)
                .deciding((pool, now) -> now == 0 ? Decision.of(List.of(), seconds(5))
                        : Decision.of(List.of(), seconds(500)));
        PoolHarness h = pool("", policy).start();
        h.advance(Duration.ofSeconds(40));
        assertThat(policy.evaluatedAt).containsExactly(0L, seconds(5), seconds(35));
    }

    @Test
    void policiesRunInOrderAndEachSeesWhatTheEarlierOnesDid() {
        List<String> calls = new ArrayList<>();
        ScriptedPolicy creator = new ScriptedPolicy("creator", 150, true);
        ScriptedPolicy closer = new ScriptedPolicy("closer", 120, true);
        ScriptedPolicy last = new ScriptedPolicy("last", 600, true);
        closer.deciding((pool, now) -> {
            calls.add("closer");
            return pool.idle().isEmpty() ? Decision.nothing()
                    : Decision.of(List.of(PoolAction.close(pool.idle().get(0).seq(), CloseReason.of("test"), "x=1"),
                    PoolAction.resetIdle(pool.idle().get(1).seq())));
        });
        creator.deciding((pool, now) -> {
            calls.add("creator");
            return Decision.of(List.of(PoolAction.create(2, "test")));
        });
        last.deciding((pool, now) -> {
            calls.add("last");
            return Decision.nothing();
        });
        PoolHarness h = pool("", last, creator, closer);
        h.connector.manual();
        h.start();
        assertThat(calls).containsExactly("closer", "creator", "last");
        assertThat(last.seen.get(0).creating()).isEqualTo(2);
        assertThat(h.pool.policyNames()).containsExactly("closer", "creator", "idle_cleanup", "last");

        h.connector.completeAll();
        assertThat(h.idleSeqs()).containsExactly(2L, 1L);
        h.advance(Duration.ofSeconds(10));
        h.scheduler.advanceTo(seconds(30));

        PoolSnapshot afterCloser = creator.seen.get(1);
        assertThat(afterCloser.idle()).extracting(s -> s.seq()).containsExactly(1L);
        assertThat(afterCloser.idle().get(0).idleSinceNanos()).isEqualTo(seconds(30));
        assertThat(h.connector.session(2).closeReason()).contains(CloseReason.of("test"));
    }

    @Test
    void aSessionChosenForClosingIsNeverHandedOut() {
        ScriptedPolicy closer = new ScriptedPolicy("closer", 300, true)
                .deciding((pool, now) -> Decision.of(pool.idle().stream()
                        .map(s -> (PoolAction) PoolAction.close(s.seq(), CloseReason.MAX_AGE, "")).toList()));
        PoolHarness h = pool("", closer).start();
        h.open().close();
        h.advance(INTERVAL);
        assertThat(h.connector.session(1).closeReason()).contains(CloseReason.MAX_AGE);
        h.open();
        assertThat(h.connector.sessions()).hasSize(2);
        assertThat(h.connector.session(2).streams()).hasSize(1);
    }

    @Test
    void aCloseOfASessionThatIsNoLongerIdleIsIgnored() {
        long[] target = {-1};
        ScriptedPolicy closer = new ScriptedPolicy("closer", 300, true)
                .deciding((pool, now) -> target[0] < 0 ? Decision.nothing()
                        : Decision.of(List.of(PoolAction.close(target[0], CloseReason.MAX_AGE, ""))));
        PoolHarness h = pool("", closer).start();
        h.open();
        target[0] = 1;
        h.advance(INTERVAL);
        assertThat(h.connector.session(1).isActive()).isTrue();
        assertThat(h.busySeqs()).containsExactly(1L);
    }

    @Test
    void skipsSessionsAPolicyRefusesToHandOut() {
        ScriptedPolicy veto = new ScriptedPolicy("veto", 300, true);
        veto.handOut = (session, now) -> session.seq() != 2;
        PoolHarness h = pool("", veto).start();
        Channel a = h.open();
        Channel b = h.open();
        a.close();
        b.close();
        h.open();
        assertThat(h.busySeqs()).containsExactly(1L);
        assertThat(h.idleSeqs()).containsExactly(2L);
        h.open();
        assertThat(h.busySeqs()).containsExactly(3L, 1L);
    }

    @Test
    void retriesOnceOnAFreshSessionWhenAPooledSessionHadDied() {
        PoolHarness h = pool("").start();
        h.open().close();
        h.advance(PROBATION);
        h.connector.session(1).dieOnNextStream();

        Channel stream = h.open();

        assertThat(h.connector.session(1).closeReason()).contains(CloseReason.ERROR);
        assertThat(h.connector.session(2).streams()).containsExactly((io.netty.channel.embedded.EmbeddedChannel) stream);
        assertThat(h.busySeqs()).containsExactly(2L);
    }

    @Test
    void aPooledSessionThatNeverHeardTheServerAndFailsAnOpenIsADeadCreationAndTheOpenSaysWhy() {
        PoolHarness h = pool("").start();
        h.open().close();
        h.advance(PROBATION);
        h.connector.session(1).silent().failNextStream(new javax.net.ssl.SSLException("SSLEngine closed already"));

        CompletableFuture<Channel> open = h.pool.open(DESTINATION, null).toCompletableFuture();

        // what a wrong password looks like from a pooled session: closed as a failed creation, and the request
        // fails at once with the reason instead of "SSLEngine closed already": the server closed it
        assertThat(h.connector.session(1).closeReason()).contains(CloseReason.PEER_CLOSE);
        assertThatThrownBy(open::join).hasCauseInstanceOf(CreationBackoffException.class)
                .hasMessageContaining("server closed the session").hasMessageContaining("without sending anything");
        assertThat(h.connector.sessions()).hasSize(1);
    }

    @Test
    void aSessionThatHeardTheServerKeepsItsFailedOpenToItself() {
        PoolHarness h = pool("").start();
        h.open().close();
        h.advance(PROBATION);
        h.connector.session(1).failNextStream(new java.io.IOException("destination unreachable"));

        CompletableFuture<Channel> open = h.pool.open(DESTINATION, null).toCompletableFuture();

        assertThatThrownBy(open::join).hasRootCauseMessage("destination unreachable");
        assertThat(h.connector.session(1).closeReason()).isEmpty();
        assertThat(h.connector.sessions()).hasSize(1);
    }

    @Test
    void aRefusedStreamIsNotRetriedAndKeepsItsSession() {
        PoolHarness h = pool("").start();
        h.open().close();
        h.connector.session(1).refuseNextStream("connection refused");

        CompletableFuture<Channel> open = h.pool.open(DESTINATION, null).toCompletableFuture();

        assertThatThrownBy(open::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(StreamRefusedException.class);
        assertThat(h.connector.sessions()).hasSize(1);
        assertThat(h.idleSeqs()).containsExactly(1L);
    }

    @Test
    void aFailedConnectFailsTheOpenAndConsumesNoSequenceNumber() {
        PoolHarness h = pool("").start();
        h.connector.failNext(new IOException("connection refused"));
        CompletableFuture<Channel> open = h.pool.open(DESTINATION, null).toCompletableFuture();
        assertThatThrownBy(open::join).hasRootCauseMessage("connection refused");
        assertThat(h.pool.snapshot().creationFailures()).isEqualTo(1);
        h.advanceTo(Duration.ofNanos(h.pool.snapshot().createAllowedAtNanos()));
        h.open();
        assertThat(h.connector.session(1).isActive()).isTrue();
        assertThat(h.pool.snapshot().creationFailures()).as("a connect is no proof").isEqualTo(1);
        h.advance(PROBATION);
        assertThat(h.pool.snapshot().creationFailures()).isZero();
    }

    @Test
    void aFailedPolicyCreationBringsTheNextRunForwardSoThePolicyCanBackOff() {
        ScriptedPolicy creator = creatingAtStart(1);
        PoolHarness h = pool("", creator);
        h.connector.manual();
        h.start();
        h.advance(Duration.ofSeconds(3));
        h.connector.failPending(new IOException("refused"));
        long allowedAt = h.pool.snapshot().createAllowedAtNanos();
        assertThat(allowedAt).isBetween(seconds(4), seconds(5));  // round 1: 1s to 2s
        h.advanceTo(Duration.ofNanos(allowedAt));
        assertThat(creator.evaluatedAt).containsExactly(0L, allowedAt);
        PoolSnapshot seen = creator.seen.get(1);
        assertThat(seen.creationFailures()).isEqualTo(1);
        assertThat(seen.lastFailureNanos()).isEqualTo(seconds(3));
        assertThat(seen.lastFailure()).isEqualTo("refused");
        assertThat(seen.creating()).isZero();
        assertThat(seen.mayCreateAt(allowedAt)).isTrue();
        assertThat(seen.mayCreateAt(allowedAt - 1)).isFalse();
    }

    @Test
    void monitorsAreAttachedToEveryNewSessionBeforeItIsHandedOutOrPooled() {
        List<String> attached = new ArrayList<>();
        PoolHarness[] self = new PoolHarness[1];
        SessionMonitorFactory monitors = new SessionMonitorFactory() {
            @Override
            public String name() {
                return "recorder";
            }

            @Override
            public boolean enabledBy(com.typesafe.config.Config settings) {
                return true;
            }

            @Override
            public SessionMonitor create(com.typesafe.config.Config settings, org.anytls4j.api.pool.PolicyContext c) {
                return (org.anytls4j.api.monitor.MonitoredSession session) -> attached.add("#" + session.seq()
                        + " streams=" + session.openStreams() + " pooled=" + self[0].pool.snapshot().total());
            }
        };
        ScriptedPolicy creator = creatingAtStart(1);
        self[0] = pool("", List.of(creator), List.of(monitors));
        self[0].start();
        self[0].open();
        self[0].open();
        assertThat(attached).containsExactly("#1 streams=0 pooled=0", "#2 streams=0 pooled=1");
        assertThat(self[0].pool.monitorNames()).containsExactly("recorder");
    }

    @Test
    void poolPoliciesEnablesAPolicyByNameAndRejectsUnknownNamesListingTheInstalledOnes() {
        ScriptedPolicy named = new ScriptedPolicy("custom", 500, false);
        ScriptedPolicy other = new ScriptedPolicy("other", 500, false);
        PoolHarness h = pool("pool_policies = [custom]", named, other);
        assertThat(h.pool.policyNames()).containsExactly("idle_cleanup", "custom");

        assertThatThrownBy(() -> PoolHarness.of("pool_policies = [custom, min-idle]", List.of(named, other), List.of()))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("pool_policies: unknown policy 'min-idle'; installed: [custom, other]");
    }

    @Test
    void gaugesCountIdleActiveAndTotalSessions() {
        PoolHarness h = pool("").start();
        Channel a = h.open();
        h.open();
        a.close();
        assertThat(h.meter("anytls4j.pool.sessions.idle")).isEqualTo(1);
        assertThat(h.meter("anytls4j.pool.sessions.active")).isEqualTo(1);
        assertThat(h.meter("anytls4j.pool.sessions.live")).isEqualTo(2);
    }

    @Test
    void shutdownClosesEverySessionStopsMaintenanceAndClosesPoliciesMonitorsAndTheConnector() {
        ScriptedPolicy creator = creatingAtStart(2);
        PoolHarness h = pool("", creator);
        h.connector.manual();
        h.start();
        h.connector.completeNext();                                     // #1 pooled, one connect still in flight
        h.connector.automatic();
        Channel stream = h.open();                                      // #1 busy

        CompletableFuture<Void> closed = h.pool.closeAsync().toCompletableFuture();

        assertThat(h.connector.session(1).closeReason()).contains(CloseReason.SHUTDOWN);
        assertThat(stream.isOpen()).isFalse();
        assertThat(h.connector.isClosed()).isTrue();
        assertThat(creator.closed).isTrue();
        assertThat(h.scheduler.pendingTasks()).isZero();
        assertThat(closed).as("the connect still in flight was cancelled").isDone();

        FakeSession late = h.connector.completeNext();                  // the connector finishes it anyway
        assertThat(late.closeReason()).contains(CloseReason.SHUTDOWN);
        assertThat(h.registry.find("anytls4j.pool.sessions.idle").gauge()).isNull();

        assertThatThrownBy(() -> h.pool.open(DESTINATION, null).toCompletableFuture().join())
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    /**
     * A thousand handshakes at once (ensure_idle_session = 1000) left glibc holding their scratch memory: 20-25 KiB of
     * client RSS per idle session, 16 with at most 16 connecting at a time (docs/BENCHMARKS.md, round six).
     */
    @Test
    void policyCreationsConnectAtMostSessionCreateConcurrencyAtOnceTheRestAsEachSettles() {
        PoolHarness h = startedCreating("session_create_concurrency = 3", 10);

        assertThat(h.connector.pendingConnects()).isEqualTo(3);
        assertThat(h.pool.snapshot().creating()).as("the waiting ones count as creating").isEqualTo(10);
        assertThat(h.meter("anytls4j.pool.sessions.create.waiting")).isEqualTo(7);
        int most = 0;
        while (h.connector.pendingConnects() > 0) {
            most = Math.max(most, h.connector.pendingConnects());
            h.connector.completeNext();
        }
        assertThat(most).isEqualTo(3);
        assertThat(h.connector.attempts()).isEqualTo(10);
        assertThat(h.idleSeqs()).hasSize(10);
        assertThat(h.pool.snapshot().creating()).isZero();
        assertThat(h.meter("anytls4j.pool.sessions.create.waiting")).isZero();
    }

    @Test
    void aFailedPolicyCreationDropsTheWaitingOnesAndLeavesTheRestToTheBackOff() {
        PoolHarness h = startedCreating("session_create_concurrency = 2", 5);

        h.connector.failPending(new IOException("connection refused"));

        assertThat(h.connector.attempts()).as("no waiting one started after the failures").isEqualTo(2);
        assertThat(h.pool.snapshot().creating()).isZero();
        assertThat(h.pool.snapshot().creationFailures()).isEqualTo(2);
    }

    @Test
    void aPooledPolicyCreationLetsTheNextOneStart() {
        PoolHarness h = startedCreating("session_create_concurrency = 1", 3);

        h.connector.completeNext();

        assertThat(h.connector.attempts()).isEqualTo(2);
        assertThat(h.connector.pendingConnects()).isEqualTo(1);
    }

    @Test
    void aStreamThatNeedsASessionIsNotQueuedBehindPolicyCreations() {
        PoolHarness h = startedCreating("session_create_concurrency = 2", 5);

        CompletableFuture<Channel> stream = h.pool.open(DESTINATION, null).toCompletableFuture();

        assertThat(h.connector.pendingConnects()).as("two for the policy, one for the stream").isEqualTo(3);
        assertThat(stream).isNotDone();
    }

    @Test
    void withoutALimitEveryPolicyCreationConnectsAtOnceAsTheReferenceDoes() {
        PoolHarness h = startedCreating("session_create_concurrency = 0", 40);

        assertThat(h.connector.pendingConnects()).isEqualTo(40);
    }

    @Test
    void shutdownDropsTheWaitingPolicyCreations() {
        PoolHarness h = startedCreating("", 70);
        assertThat(h.connector.pendingConnects()).as("the default, 64").isEqualTo(64);

        CompletableFuture<Void> closed = h.pool.closeAsync().toCompletableFuture();
        h.connector.completeAll();

        assertThat(closed).isDone();
        assertThat(h.connector.attempts()).as("none of the 6 waiting ones started").isEqualTo(64);
        assertThat(h.connector.activeSessions()).isEmpty();
        assertThat(h.pool.snapshot().creating()).isZero();
    }

    @Test
    void shutdownWaitsForAConnectThatIgnoresCancellationAndClosesTheSessionItDelivers() {
        ScriptedPolicy creator = creatingAtStart(1);
        PoolHarness h = pool("", creator);
        h.connector.manual().uncancellable();
        h.start();

        CompletableFuture<Void> closed = h.pool.closeAsync().toCompletableFuture();
        assertThat(closed).isNotDone();

        FakeSession late = h.connector.completeNext();
        assertThat(late.closeReason()).contains(CloseReason.SHUTDOWN);
        assertThat(closed).isDone();
        assertThat(h.pool.snapshot().total()).isZero();
    }

    @Test
    void aSessionClosedByThePeerOrAMonitorTriggersARunSoPoliciesCanReplaceIt() {
        ScriptedPolicy probe = new ScriptedPolicy("probe", 400, true);
        PoolHarness h = pool("", probe).start();
        h.open().close();
        h.advance(Duration.ofSeconds(6));                       // past the 5s probation: a proven session
        h.connector.session(1).close(CloseReason.HEARTBEAT_TIMEOUT);
        h.advance(Duration.ofMillis(1));
        assertThat(probe.evaluatedAt).containsExactly(0L, seconds(6) + 1_000_000L);
        assertThat(h.meter("anytls4j.pool.sessions.closed", "reason", "heartbeat-timeout")).isEqualTo(1);
    }

    @Test
    void showsItsSessionsToTheAdminListener() {
        PoolHarness h = pool("idle_session_timeout = 60s").start();
        Channel busy = h.open();
        h.open().close();
        h.advance(Duration.ofSeconds(20));
        List<org.anytls4j.core.admin.SessionInfo> sessions = PoolHarness.join(h.pool.sessions());
        assertThat(sessions).usingRecursiveFieldByFieldElementComparatorIgnoringFields(LIVENESS).containsExactly(
                new org.anytls4j.core.admin.SessionInfo(1, Duration.ofSeconds(20), null, 1, null, null, null),
                new org.anytls4j.core.admin.SessionInfo(2, Duration.ofSeconds(20), Duration.ofSeconds(20), 0, null,
                        "idle-timeout", Duration.ofSeconds(40)));
        assertThat(sessions).extracting(org.anytls4j.core.admin.SessionInfo::lastRead)
                .containsExactly(Duration.ofSeconds(20), Duration.ofSeconds(20)); // fake sessions never read
        assertThat(h.pool.outboundTag()).isEqualTo("hk");
        busy.close();
    }

    @Test
    void showsThePolicyThatKeptAnIdleSessionPastItsTimeoutUntilItIsHandedOut() {
        ScriptedPolicy minIdle = new ScriptedPolicy("min_idle", 100, true).deciding((pool, now) ->
                Decision.of(pool.idle().stream().filter(s -> s.idleSinceNanos() < now - seconds(60))
                        .map(s -> (PoolAction) PoolAction.resetIdle(s.seq())).toList()));
        PoolHarness h = pool("idle_session_timeout = 60s", minIdle).start();
        h.open().close();
        h.advance(Duration.ofSeconds(60));
        assertThat(PoolHarness.join(h.pool.sessions()))
                .usingRecursiveFieldByFieldElementComparatorIgnoringFields(LIVENESS).containsExactly(
                new SessionInfo(1, Duration.ofSeconds(60), Duration.ofSeconds(60), 0, null, "idle-timeout",
                        Duration.ZERO));

        h.advance(Duration.ofSeconds(30)); // the run at 90 s: expired, so min_idle resets its timer
        h.advance(Duration.ofSeconds(20));

        assertThat(h.connector.session(1).isActive()).isTrue();
        assertThat(PoolHarness.join(h.pool.sessions()))
                .usingRecursiveFieldByFieldElementComparatorIgnoringFields(LIVENESS).containsExactly(
                new SessionInfo(1, Duration.ofSeconds(110), Duration.ofSeconds(20), 0, "min_idle", "idle-timeout",
                        Duration.ofSeconds(40)));
        Channel stream = h.open();
        assertThat(PoolHarness.join(h.pool.sessions()))
                .usingRecursiveFieldByFieldElementComparatorIgnoringFields(LIVENESS).containsExactly(
                new SessionInfo(1, Duration.ofSeconds(110), null, 1, null, null, null));
        stream.close();
        assertThat(PoolHarness.join(h.pool.sessions())).extracting(SessionInfo::heldBy).containsOnlyNulls();
    }

    @Test
    void showsThePolicyThatRefusedToHandASessionOut() {
        ScriptedPolicy lifetime = new ScriptedPolicy("lifetime", 300, true);
        lifetime.handOut = (session, now) -> session.seq() != 2;
        PoolHarness h = pool("idle_session_timeout = 60s", lifetime).start();
        Channel a = h.open();
        Channel b = h.open();
        a.close();
        b.close();
        h.advance(Duration.ofSeconds(5));

        h.open();

        assertThat(PoolHarness.join(h.pool.sessions()))
                .usingRecursiveFieldByFieldElementComparatorIgnoringFields(LIVENESS).containsExactly(
                new SessionInfo(1, Duration.ofSeconds(5), null, 1, null, null, null),
                new SessionInfo(2, Duration.ofSeconds(5), Duration.ofSeconds(5), 0, "lifetime", "idle-timeout",
                        Duration.ofSeconds(55)));
    }

    private static long seconds(long s) {
        return Duration.ofSeconds(s).toNanos();
    }
}
