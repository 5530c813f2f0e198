package org.anytls4j.core.pool;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.anytls4j.api.CloseReason;
import org.anytls4j.api.Destination;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.monitor.SessionMonitor;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.anytls4j.api.outbound.PacketOutbound;
import org.anytls4j.api.outbound.PacketStreams;
import org.anytls4j.api.outbound.Session;
import org.anytls4j.api.outbound.SessionConnector;
import org.anytls4j.api.outbound.StreamRefusedException;
import org.anytls4j.api.pool.CreationBackoffException;
import org.anytls4j.api.pool.Decision;
import org.anytls4j.api.pool.PoolAction;
import org.anytls4j.api.pool.PoolPolicy;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.anytls4j.api.pool.PoolSnapshot;
import org.anytls4j.api.pool.PooledSession;
import org.anytls4j.core.admin.CreationInfo;
import org.anytls4j.core.admin.PoolView;
import org.anytls4j.core.admin.SessionInfo;
import org.anytls4j.core.runtime.PluginScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session pool of one outbound (POOL.md sections 2-8): hands out sessions for streams, takes them back, and
 * runs the maintenance that its policies decide.
 *
 * <h2>Acquire and release</h2>
 * {@link #open} takes the newest idle session (highest seq) that no policy refuses to hand out (the verdicts of
 * {@link PoolPolicy#mayHandOut}, computed ahead of time: see Threading); with {@code max_streams_per_session > 1} it then shares the newest busy session
 * that has room; else it connects a new one (reason {@code demand}). When the stream channel closes (the transport
 * has sent its FIN by then: FIN first, POOL.md section 4) the session's idle timer restarts and it goes back into
 * the idle pool. A session that closes for any reason leaves the pool at once. If opening the stream fails on a
 * pooled session that turns out to be dead, the pool retries once on a fresh session (POOL.md 3 step 4 allows it);
 * a refusal by the server ({@link StreamRefusedException}) is never retried. A busy session is shared only while its
 * reads are not held off by back-pressure ({@link Session#readsPaused()}).
 *
 * <h2>Failed creations and back-off</h2>
 * A creation fails when its connect fails, or when the session it made closes on its own (not by the pool) before it
 * <em>proved itself</em>, and either nothing was ever received from the server ({@link Session#lastReadNanos()}), or
 * the server or the path (peer close, error, protocol error, not a monitor) ended it within
 * {@code session_create_probation}. A session proves itself once it has received something from the server and
 * outlived the probation; a connect is no success: a server that refuses the password closes the session right after
 * it. Failures feed one {@link CreationBackoff} per outbound, shared by every creator: on-demand opens, policies'
 * {@link PoolAction.Create} and the retry on a fresh session. While it backs off no creation starts; during a failure
 * streak at most one starts per wait ({@code session_create_backoff_initial} growing with jitter up to
 * {@code session_create_backoff_max}); a stream that needs a new session then fails at once with
 * {@link CreationBackoffException}, whose message gives the last failure in words. The first session to prove itself
 * ends the streak at that moment (checked when the session's probation ends, then every probation while the streak
 * lasts, at each stream's end and at each run), and the policies run at once. Logged: one WARN per streak with the
 * wait really applied, one INFO when it ends.
 *
 * <h2>Maintenance</h2>
 * One task timed by the environment's scheduler and run on the policy executor: the first run in {@link #start()},
 * then every
 * {@code idle_session_check_interval}, or earlier (at least 1 ms after the cause, coalesced) when a policy asks
 * ({@link Decision#askAgainAtNanos()}), when a policy-requested creation failed (so a backing-off policy can schedule
 * its retry), when a policy refused to hand out an idle session (so it can close it), when a session that had proved
 * itself closed by itself (so ensure_idle replaces a session the peer or the heartbeat ended; one that had not is a
 * failed creation and runs nothing before the back-off allows), or when a failure streak ended. A run consults the
 * enabled policies in {@link PoolPolicyFactory#order()} (the core's own idle cleanup at 200) and carries out each
 * one's actions before asking the next, which therefore sees closed sessions gone, reset timers reset and requested
 * creations counted in {@link PoolSnapshot#creating()}. Each policy decides on an immutable snapshot, off the pool's
 * context; its actions are applied in the context, where a close acts only on a session still idle as the policy saw
 * it (not handed out, nor used and returned, since the snapshot), so a session chosen for closing is never taken
 * from a stream. A run ends by asking every policy that has its own {@code mayHandOut} about every live session.
 * When one policy creates, run after run, what another closed in the same or the previous run
 * ({@value #CONFLICT_RUNS} runs in a row), the pool logs one WARN naming both (at most once an hour per pair) and
 * counts {@code anytls4j.pool.policy.conflicts}.
 *
 * <h2>Policies fail closed</h2>
 * Every call of a policy's code ({@code evaluate}, {@code mayHandOut}, {@code created}, {@code creationFailed}) runs
 * on the environment's policy executor and is waited for at most {@code policy_time_budget}. One that throws or
 * overruns fails: its decision's actions are dropped, and a session it was asked about is not handed out (if that
 * leaves none, a stream gets a new session as usual). The first failure of a streak is logged at WARN, naming the
 * policy and its plugin; a policy still running a call that overran is not called again (each call it misses counts as
 * a failure); after {@code policy_failure_limit} failures in a row of one method the policy is disabled for this pool
 * (WARN, {@code anytls4j.pool.policy.disabled}) and its refusals are dropped.
 *
 * <h2>Monitors</h2>
 * Every enabled {@link SessionMonitor} is attached to each new session before the session is pooled or handed out.
 *
 * <h2>Threading</h2>
 * Thread-safe. The pool's state is owned by one {@link SerialContext} (gRPC's {@code SynchronizationContext}
 * pattern): short, non-blocking tasks that run on the thread that submits them unless another thread is running the
 * context's tasks, which then runs them; an I/O thread never waits for the context, nor for a policy. No plugin code
 * runs in the context: policies are called one at a time on the pool's lane ({@link SequentialExecutor} over the
 * policy executor), and a session's hand-out verdicts are renewed there whenever it is created or becomes idle again,
 * and for every session at each run, so {@code open} only looks them up. Nothing on the stream-open path formats
 * strings or durations unless DEBUG is on. Connects and stream opens are started outside the context.
 *
 * <h2>Ownership and lifecycle</h2>
 * Created by {@link #create}, which validates every setting and creates the enabled policies and monitors;
 * {@link #start()} once; {@link #closeGracefully()} or {@link #closeAsync()} once (idempotent). A graceful shutdown
 * first {@link #drain() drains}: no creation (demand, ensure, replacement), no maintenance, no hand-out; idle sessions
 * close at once and a busy session when its last stream ends; after {@code shutdown_grace_period} the rest is cut,
 * each session still carrying streams logged with their number. The pool owns its sessions and the connector it was
 * given: shutdown cancels the maintenance task, closes every session (reason {@code shutdown}), cancels the futures
 * of connects still in flight (a connector whose future was cancelled closes the session it then makes, as the
 * AnyTLS connector does), closes any session such a connect still delivers, closes the connector so that no new
 * connect starts, cancels the tasks its policies and monitors scheduled through their context, tells them
 * {@code close()}, and removes its meters.
 *
 * <h2>Metrics (tag {@code outbound})</h2>
 * Gauges {@code anytls4j.pool.sessions.idle}, {@code .active} (carrying streams), {@code .live} (both),
 * {@code anytls4j.pool.sessions.create.backoff} (seconds: the current wait between creations, 0 when they work) and
 * {@code anytls4j.pool.sessions.create.consecutive.failures}; counters {@code anytls4j.pool.sessions.opened} (tag
 * {@code reason}: {@code demand}, {@code ensure}, ...), {@code anytls4j.pool.sessions.closed} (tag {@code reason}:
 * {@link CloseReason#name()}), {@code anytls4j.pool.sessions.create.attempts} (tag {@code reason}) and
 * {@code anytls4j.pool.sessions.create.failures} (tags {@code reason} and {@code cause}: {@code connect},
 * {@code closed-unheard} (closed before anything came from the server), {@code closed-young} (closed within the
 * probation)); {@code anytls4j.pool.policy.failures} (tags {@code policy}, {@code cause}: {@code exception},
 * {@code overrun}), {@code anytls4j.pool.policy.disabled} (tag {@code policy}) and
 * {@code anytls4j.pool.policy.conflicts} (tag {@code policies}: {@code closer,creator}).
 */
public final class SessionPool implements PacketOutbound, PoolView, AutoCloseable {
    /** Reason of creations made for a waiting stream. */
    public static final String CREATED_ON_DEMAND = "demand";
    /** Causes of failed creations (tag {@code cause} of {@code anytls4j.pool.sessions.create.failures}). */
    static final String CAUSE_CONNECT = "connect";
    static final String CAUSE_CLOSED_UNHEARD = "closed-unheard";
    static final String CAUSE_CLOSED_YOUNG = "closed-young";
    /** The soonest a policy may ask to be evaluated again, so a policy asking for "now" cannot spin the scheduler. */
    static final long MIN_RUN_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Consecutive runs in which one policy recreates what another closed before the pool warns of the conflict. */
    static final int CONFLICT_RUNS = 3;
    /** The same conflict is warned of at most once per this long. */
    static final long CONFLICT_WARN_EVERY_NANOS = TimeUnit.HOURS.toNanos(1);
    private static final long CLOSE_WAIT_SECONDS = 5;
    private static final Logger log = LoggerFactory.getLogger(SessionPool.class);

    private final String tag;
    private final PoolSettings settings;
    private final SessionConnector connector;
    private final PoolEnvironment env;
    private final List<PolicyRunner> policies;
    /** The policies whose {@link PoolPolicy#mayHandOut} is their own (not the default), in order. */
    private final List<PolicyRunner> vetters;
    private final List<NamedMonitor> monitors;
    private final List<PluginScheduler> schedulers;
    /** Conflicts between policies that the settings make certain ({@link PolicyConflicts}). */
    private final List<String> settingWarnings;
    private final AtomicLong sessionCounter = new AtomicLong();
    private final List<Meter> gauges = new ArrayList<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    /** Owns every field below; its tasks never run plugin code and never block. */
    private final SerialContext serial;
    /** Runs maintenance runs and every call of a policy's code, one at a time, off the I/O threads. */
    private final SequentialExecutor lane;

    /** Idle sessions by seq, newest first. */
    private final NavigableMap<Long, Entry> idle = new TreeMap<>(Comparator.reverseOrder());
    /** Every live session the pool owns, idle or busy. */
    private final Map<Long, Entry> live = new HashMap<>();
    /** Creations whose connect has not settled yet. */
    private final Set<CompletableFuture<Void>> inFlight = new LinkedHashSet<>();
    /** The connectors' futures of those creations, cancelled at shutdown. */
    private final Set<CompletableFuture<Session>> connects = new LinkedHashSet<>();
    private int creating;
    /**
     * Policy creations admitted (counted in {@link #creating}) that wait for one of the {@code
     * session_create_concurrency} connecting places, oldest first; dropped at drain and close.
     */
    private final Deque<Creation> waitingCreations = new ArrayDeque<>();
    /** Policy creations connecting now, at most {@code session_create_concurrency} (0: no limit). */
    private int policyConnecting;
    /** {@link #creating} by the reason its creator gave. */
    private final Map<String, Integer> creatingByReason = new HashMap<>();
    /** The creations' failure streak and gate, shared by every creator. */
    private final CreationBackoff backoff;
    /** The policy that refuses each session's hand-out, by seq, as last vetted; absent: it may be handed out. */
    private final Map<Long, String> vetoes = new HashMap<>();
    /** Sessions whose state changed since they were last vetted. */
    private final Set<Entry> toVet = new LinkedHashSet<>();
    private boolean vetQueued;
    private boolean started;
    /** Shutting down: no creation, no hand-out, no maintenance; busy sessions close when their streams end. */
    private boolean draining;
    private boolean closing;
    /** A maintenance run is between its snapshot and its end; requests for a run are folded into its next one. */
    private boolean maintaining;
    private long runRequestedAt = Long.MAX_VALUE;
    private ScheduledFuture<?> nextRun;
    private long nextRunAtNanos = Long.MAX_VALUE;

    /** Conflict tracking; touched only on the lane. */
    private Set<String> lastRunClosers = Set.of();
    private final Map<String, Integer> conflictStreaks = new HashMap<>();
    private final Map<String, Long> conflictWarnedAt = new HashMap<>();

    private SessionPool(String tag, PoolSettings settings, SessionConnector connector, PoolEnvironment env,
                        List<NamedPolicy> policies, List<NamedMonitor> monitors, List<PluginScheduler> schedulers,
                        List<String> settingWarnings) {
        this.tag = tag;
        this.settings = settings;
        this.connector = connector;
        this.env = env;
        this.serial = new SerialContext("outbound=" + tag + " pool");
        this.lane = new SequentialExecutor("outbound=" + tag + " pool policies", env.policyExecutor());
        this.policies = policies.stream().map(PolicyRunner::new).toList();
        this.vetters = this.policies.stream().filter(runner -> overridesMayHandOut(runner.policy)).toList();
        this.monitors = monitors;
        this.schedulers = schedulers;
        this.settingWarnings = settingWarnings;
        this.backoff = new CreationBackoff(settings.backoffInitial().toNanos(), settings.backoffMax().toNanos(),
                env.randomSource().get());
    }

    private static boolean overridesMayHandOut(PoolPolicy policy) {
        return overrides(policy, "mayHandOut", PooledSession.class, long.class);
    }

    /** Whether {@code policy} implements this default method of {@link PoolPolicy} itself. */
    private static boolean overrides(PoolPolicy policy, String method, Class<?>... parameters) {
        try {
            return policy.getClass().getMethod(method, parameters).getDeclaringClass() != PoolPolicy.class;
        } catch (NoSuchMethodException e) {
            return true;
        }
    }

    /**
     * Builds the pool of one outbound; nothing is connected before {@link #start()}.
     *
     * @param settings           the outbound block with every default applied (the host merged the pool's and every
     *                           installed policy's and monitor's {@code reference.conf})
     * @param installedPolicies  every installed pool policy; those enabled by their keys or named in
     *                           {@code pool_policies} are created
     * @param installedMonitors  every installed session monitor, enabled the same way
     * @throws InvalidSettingException or {@link com.typesafe.config.ConfigException} for a bad value, or for a name in
     *     {@code pool_policies} that no installed policy or monitor has (the message lists the installed names)
     */
    public static SessionPool create(String tag, Config settings, SessionConnector connector,
                                     Collection<PoolPolicyFactory> installedPolicies,
                                     Collection<SessionMonitorFactory> installedMonitors, PoolEnvironment env) {
        requireNonNull(tag, "tag");
        requireNonNull(settings, "settings");
        requireNonNull(connector, "connector");
        requireNonNull(env, "env");
        PoolSettings poolSettings = PoolSettings.from(tag, settings);
        Set<String> installed = new TreeSet<>();
        installedPolicies.forEach(f -> installed.add(f.name()));
        installedMonitors.forEach(f -> installed.add(f.name()));
        for (String name : poolSettings.poolPolicies()) {
            if (!installed.contains(name)) {
                throw new InvalidSettingException(settings.getValue(PoolSettings.POOL_POLICIES).origin(),
                        PoolSettings.POOL_POLICIES, "unknown policy '" + name + "'; installed: " + installed);
            }
        }
        Set<String> named = Set.copyOf(poolSettings.poolPolicies());

        SessionPool[] self = new SessionPool[1];
        List<PluginScheduler> schedulers = new ArrayList<>();
        List<NamedPolicy> policies = new ArrayList<>();
        policies.add(new NamedPolicy(IdleCleanupPolicy.NAME, PoolPolicyFactory.ORDER_IDLE_CLEANUP, "core",
                new IdleCleanupPolicy(tag, poolSettings.idleTimeout().toNanos())));
        Supplier<PoolSnapshot> current = () -> self[0] != null ? self[0].snapshot() : null;
        for (PoolPolicyFactory factory : installedPolicies) {
            if (named.contains(factory.name()) || factory.enabledBy(settings)) {
                PoolPolicyContext context = context(factory, tag, poolSettings, env, current);
                schedulers.add(context.pluginScheduler());
                PoolPolicy policy = factory.create(settings, context);
                policies.add(new NamedPolicy(factory.name(), factory.order(), context.pluginId(),
                        requireNonNull(policy, factory.name())));
            }
        }
        policies.sort(Comparator.comparingInt(NamedPolicy::order).thenComparing(NamedPolicy::name));
        List<NamedMonitor> monitors = new ArrayList<>();
        for (SessionMonitorFactory factory : installedMonitors) {
            if (named.contains(factory.name()) || factory.enabledBy(settings)) {
                PoolPolicyContext context = context(factory, tag, poolSettings, env, current);
                schedulers.add(context.pluginScheduler());
                SessionMonitor monitor = LegacyMonitors.compatible(factory.create(settings, context));
                monitors.add(new NamedMonitor(factory.name(), requireNonNull(monitor, factory.name())));
            }
        }
        monitors.sort(Comparator.comparing(NamedMonitor::name));
        self[0] = new SessionPool(tag, poolSettings, connector, env, List.copyOf(policies), List.copyOf(monitors),
                List.copyOf(schedulers), List.copyOf(PolicyConflicts.certain(tag, settings, poolSettings)));
        return self[0];
    }

    private static PoolPolicyContext context(Object factory, String tag, PoolSettings settings, PoolEnvironment env,
                                             Supplier<PoolSnapshot> current) {
        PluginContext plugin = requireNonNull(env.pluginContextOf().apply(factory),
                () -> "no plugin context for " + factory);
        return new PoolPolicyContext(plugin, tag, settings, env.randomSource().get(), current);
    }

    @Override
    public String tag() {
        return tag;
    }

    /** The pool keys in effect (after the clamps). */
    public PoolSettings settings() {
        return settings;
    }

    /** Names of the policies a maintenance run consults, in order ({@code idle_cleanup} is the core's own). */
    public List<String> policyNames() {
        return policies.stream().map(PolicyRunner::name).toList();
    }

    /** Names of the policies disabled after {@code policy_failure_limit} failures in a row, in order. */
    public List<String> disabledPolicyNames() {
        return policies.stream().filter(runner -> runner.disabled).map(PolicyRunner::name).toList();
    }

    /**
     * Conflicts between this outbound's policies that its settings make certain (e.g. a lifetime shorter than the
     * check interval with ensure_idle), one line each; {@code anytls4j check} prints them and {@link #start()} logs them
     * at WARN.
     */
    public List<String> settingWarnings() {
        return settingWarnings;
    }

    /** Names of the monitors attached to every session. */
    public List<String> monitorNames() {
        return monitors.stream().map(NamedMonitor::name).toList();
    }

    /**
     * The pool as a policy would see it now: idle and busy sessions, creations in flight, failures. Waits for the
     * pool's serial context (short tasks only); never call it on an I/O thread.
     */
    public PoolSnapshot snapshot() {
        return serial.call(this::snapshotNow);
    }

    @Override
    public String outboundTag() {
        return tag;
    }

    /**
     * The sessions for the admin listener's {@code /pool}, in seq order. Never blocks.
     * <ul>
     *   <li>{@code heldBy}: the policy that last held the session since it was last handed out, by resetting its
     *       idle timer ({@link PoolAction.ResetIdle}: {@code min_idle} keeping it past the timeout) or by refusing
     *       to hand it out ({@link PoolPolicy#mayHandOut}: {@code lifetime} keeping an expired session from new
     *       streams until it closes it); null when no policy has held it. Handing the session out clears it.</li>
     *   <li>{@code nextAction}: for an idle session {@code idle-timeout}, due when its idle time passes
     *       {@code idle_session_timeout} (the first maintenance run after that closes it unless a policy protects
     *       it again); busy sessions have none.</li>
     * </ul>
     */
    @Override
    public CompletionStage<List<SessionInfo>> sessions() {
        CompletableFuture<List<SessionInfo>> result = new CompletableFuture<>();
        serial.execute(() -> {
            long now = env.ticker().nanoTime();
            long timeout = settings.idleTimeout().toNanos();
            List<SessionInfo> infos = new ArrayList<>();
            live.values().stream().sorted(Comparator.comparingLong(Entry::seq)).forEach(entry -> {
                boolean isIdle = idle.containsKey(entry.seq());
                Duration age = Duration.ofNanos(Math.max(0, now - entry.session.createdNanos()));
                if (isIdle) {
                    long idleNanos = Math.max(0, now - entry.idleSinceNanos);
                    infos.add(new SessionInfo(entry.seq(), age, Duration.ofNanos(idleNanos), 0, entry.heldBy,
                            CloseReason.IDLE_TIMEOUT.name(), Duration.ofNanos(Math.max(0, timeout - idleNanos)))
                            .withLiveness(entry.session, now));
                } else {
                    infos.add(new SessionInfo(entry.seq(), age, null, entry.streams, entry.heldBy, null, null)
                            .withLiveness(entry.session, now));
                }
            });
            result.complete(infos);
        });
        return result;
    }

    /** Session creations in flight now, whoever started them. */
    @Override
    public CompletionStage<OptionalInt> creating() {
        CompletableFuture<OptionalInt> result = new CompletableFuture<>();
        serial.execute(() -> result.complete(OptionalInt.of(creating)));
        return result;
    }


    /** While creations keep failing: how many in a row, the wait, when the next may start and why the last failed. */
    @Override
    public CompletionStage<Optional<CreationInfo>> creation() {
        CompletableFuture<Optional<CreationInfo>> result = new CompletableFuture<>();
        serial.execute(() -> result.complete(!backoff.backingOff() ? Optional.empty()
                : Optional.of(new CreationInfo(backoff.failures(), Duration.ofNanos(backoff.delayNanos()),
                        untilMillis(backoff.allowedAtNanos(), env.ticker().nanoTime()), backoff.lastFailure()))));
        return result;
    }

    /** Registers the meters and runs the first maintenance at once (so ensure_idle fills the pool at time 0). */
    public void start() {
        String refused = serial.call(() -> {
            if (started || closing || draining) {
                return closing || draining ? "closed" : "started";
            }
            started = true;
            return null;
        });
        if (refused != null) {
            throw new IllegalStateException("outbound=" + tag + " pool already " + refused);
        }
        registerGauges();
        log.info("outbound={} pool started: check_interval={} idle_timeout={} max_streams_per_session={} "
                        + "policies={} monitors={}", tag, GoDurations.format(settings.checkInterval()),
                GoDurations.format(settings.idleTimeout()), settings.maxStreamsPerSession(),
                policyNames(), monitorNames());
        settingWarnings.forEach(log::warn);
        lane.execute(this::runMaintenanceSafely);
    }

    // ---------------------------------------------------------------- acquire and release

    /**
     * Takes a session in the pool's serial context (inline on the calling thread unless another thread is in it:
     * then it runs there and this call returns at once) and opens the stream on it; no policy code runs here, and
     * nothing waits for one.
     */
    @Override
    public CompletionStage<Channel> open(Destination destination, EventLoop eventLoop) {
        requireNonNull(destination, "destination");
        return open(new Opener(destination.toString(), session -> session.openStream(destination)), eventLoop);
    }

    /**
     * Opens a packet stream ({@link PacketStreams}) on a pooled session, taken, counted and released like any
     * stream; fails with {@link UnsupportedOperationException} when the transport's sessions do not offer it.
     */
    @Override
    public CompletionStage<Channel> openPackets(EventLoop eventLoop) {
        return open(new Opener("a packet stream", session -> session.capability(PacketStreams.class)
                .map(PacketStreams::openPacketStream)
                .orElseGet(() -> CompletableFuture.failedFuture(new UnsupportedOperationException("outbound=" + tag
                        + ": its transport's sessions cannot carry UDP (no packet streams)")))), eventLoop);
    }

    /** What a stream is opened to ({@code what}, for log lines), and how on a given session. */
    private record Opener(String what, Function<Session, CompletionStage<Channel>> on) {
    }

    private CompletionStage<Channel> open(Opener opener, EventLoop eventLoop) {
        CompletableFuture<Acquired> acquired = new CompletableFuture<>();
        serial.execute(() -> acquired.complete(acquire()));
        Function<Acquired, CompletionStage<Channel>> then = a -> {
            if (a.failure() != null) {
                return CompletableFuture.failedFuture(a.failure());
            }
            CompletionStage<Lease> leased = a.lease() != null ? CompletableFuture.completedFuture(a.lease())
                    : create(CREATED_ON_DEMAND, 0, true, a.generation(), null).thenApply(e -> new Lease(e, false));
            return leased.thenCompose(l -> openOn(l, opener, true));
        };
        // Taken inline (the usual case): go on on this thread. Taken by the thread that was in the pool's context:
        // come back to the caller's loop rather than open the stream on that thread.
        return acquired.isDone() || eventLoop == null ? acquired.thenCompose(then)
                : acquired.thenComposeAsync(then, eventLoop);
    }

    /** In context. A session for a new stream, or a creation admitted for it, or why it cannot have either. */
    private Acquired acquire() {
        if (closing || draining) {
            return new Acquired(null, -1, new IllegalStateException("outbound=" + tag + " is closed"));
        }
        long now = env.ticker().nanoTime();
        Entry refused = null;
        Lease lease = null;
        for (Entry entry : idle.values()) {
            String veto = vetoes.get(entry.seq());
            if (veto != null) {
                refused(entry, veto);
                refused = entry;
            } else {
                idle.remove(entry.seq());
                entry.streams++;
                entry.heldBy = null;
                if (log.isDebugEnabled()) {
                    log.debug("outbound={} session=#{} handed out idle={}", tag, entry.seq(),
                            GoDurations.format(now - entry.idleSinceNanos));
                }
                lease = new Lease(entry, true);
                break;
            }
        }
        if (lease == null && settings.maxStreamsPerSession() > 1) {
            lease = shareBusy();
        }
        if (refused != null) {
            // A policy refused an idle session (e.g. past its lifetime): let the policies act on it now rather
            // than at the next regular check.
            requestRun(now);
        }
        if (lease != null) {
            return new Acquired(lease, -1, null);
        }
        long generation = admitCreation(now, CREATED_ON_DEMAND);
        if (generation < 0) {
            // It needs a new session and the pool is backing off: fail at once rather than queue behind the wait.
            return new Acquired(null, -1, backingOff(now));
        }
        return new Acquired(null, generation, null);
    }

    /** In context. The newest busy session with room for one more stream, or null. */
    private Lease shareBusy() {
        Entry best = null;
        for (Entry entry : live.values()) {
            // A session whose reads are held off by a slow stream reader would leave the new stream's replies
            // (its SYNACK included) unread: never share one.
            if (entry.streams > 0 && entry.streams < settings.maxStreamsPerSession()
                    && entry.session.isActive() && !entry.session.readsPaused()
                    && (best == null || entry.seq() > best.seq())) {
                String veto = vetoes.get(entry.seq());
                if (veto == null) {
                    best = entry;
                } else {
                    refused(entry, veto);
                }
            }
        }
        if (best == null) {
            return null;
        }
        best.streams++;
        best.heldBy = null;
        return new Lease(best, true);
    }

    private void refused(Entry entry, String policy) {
        entry.heldBy = policy;
        log.debug("outbound={} session=#{} not handed out: refused by {}", tag, entry.seq(), policy);
    }

    private CompletionStage<Channel> openOn(Lease lease, Opener opener, boolean mayRetry) {
        Session session = lease.entry().session;
        CompletionStage<Channel> opening;
        try {
            opening = opener.on().apply(session);
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e);
        }
        return opening.handle((channel, failure) -> {
            if (failure == null) {
                channel.closeFuture().addListener(f -> release(lease.entry()));
                return CompletableFuture.completedFuture(channel);
            }
            release(lease.entry());
            Throwable cause = unwrap(failure);
            if (lease.pooled() && cause instanceof IOException && session.isActive()
                    && session.lastReadNanos() == Long.MIN_VALUE) {
                // It never heard the server and cannot carry a stream (a TLS connection the server closed before
                // its close was read, e.g. after a wrong password): it is dead, whatever its flag says yet. The
                // server ended it, so that is the reason the creation failure (and the request's error) states.
                session.close(CloseReason.PEER_CLOSE);
            }
            if (lease.pooled() && mayRetry && !(cause instanceof StreamRefusedException) && !session.isActive()) {
                log.debug("outbound={} session=#{} stream to {} failed on a pooled session that had died ({}); "
                        + "retrying once on a new session", tag, session.seq(), opener.what(), cause.toString());
                CompletableFuture<Acquired> retry = new CompletableFuture<>();
                serial.execute(() -> {
                    if (closing || draining) {
                        retry.complete(new Acquired(null, -1, cause));
                        return;
                    }
                    long now = env.ticker().nanoTime();
                    long generation = admitCreation(now, CREATED_ON_DEMAND);
                    if (generation < 0) {
                        CreationBackoffException backingOff = backingOff(now);
                        backingOff.addSuppressed(cause);
                        retry.complete(new Acquired(null, -1, backingOff));
                        return;
                    }
                    retry.complete(new Acquired(null, generation, null));
                });
                return retry.thenCompose(a -> a.failure() != null ? CompletableFuture.<Channel>failedFuture(a.failure())
                        : create(CREATED_ON_DEMAND, 0, true, a.generation(), null)
                                .thenCompose(entry -> openOn(new Lease(entry, false), opener, false)));
            }
            return CompletableFuture.<Channel>failedFuture(cause);
        }).thenCompose(Function.identity());
    }

    /** A stream on {@code entry} ended (its FIN is written by now): the session goes back to the idle pool. */
    private void release(Entry entry) {
        serial.execute(() -> {
            entry.streams--;
            long now = env.ticker().nanoTime();
            if (checkProof(entry, now)) {
                recovered(entry);
            }
            if (entry.streams > 0 || live.get(entry.seq()) != entry) {
                return;
            }
            if (closing || draining) {
                // Draining: the session's last stream ended, so it closes now rather than at the grace's end.
                live.remove(entry.seq());
                vetoes.remove(entry.seq());
                entry.session.close(CloseReason.SHUTDOWN);
                checkDrained();
            } else if (entry.session.isActive()) {
                entry.idleSinceNanos = now;
                idle.put(entry.seq(), entry);
                needsVet(entry);
            }
        });
    }

    // ---------------------------------------------------------------- vetting (mayHandOut, ahead of time)

    /** In context. {@code entry} changed (created, or idle again): have the policies' verdicts on it renewed. */
    private void needsVet(Entry entry) {
        if (vetters.isEmpty()) {
            return;
        }
        toVet.add(entry);
        if (!vetQueued) {
            vetQueued = true;
            lane.execute(this::vetChanged);
        }
    }

    /** On the lane: renews the verdicts of the sessions that changed since they were last vetted. */
    private void vetChanged() {
        long now = env.ticker().nanoTime();
        List<PooledSession> views = serial.call(() -> {
            vetQueued = false;
            List<PooledSession> changed = new ArrayList<>(toVet.size());
            for (Entry entry : toVet) {
                if (live.get(entry.seq()) == entry) {
                    changed.add(entry.view(idle.containsKey(entry.seq())));
                }
            }
            toVet.clear();
            return changed;
        });
        if (!views.isEmpty()) {
            Map<Long, String> verdicts = verdicts(views, now);
            serial.execute(() -> install(views, verdicts));
        }
    }

    /**
     * On the lane: each session's first refusing policy, in policy order. A policy whose call fails (throws or
     * overruns its budget) refuses every session it was asked about: it could not vouch for them.
     */
    private Map<Long, String> verdicts(List<PooledSession> views, long nowNanos) {
        if (views.isEmpty()) {
            return Map.of();
        }
        Map<Long, String> verdicts = new HashMap<>();
        for (PolicyRunner runner : vetters) {
            if (runner.disabled) {
                continue;
            }
            List<Long> refused = runner.call("mayHandOut", () -> {
                List<Long> no = new ArrayList<>();
                for (PooledSession view : views) {
                    if (!runner.policy.mayHandOut(view, nowNanos)) {
                        no.add(view.seq());
                    }
                }
                return no;
            });
            if (refused == null) {
                views.forEach(view -> verdicts.putIfAbsent(view.seq(), runner.name));
            } else {
                refused.forEach(seq -> verdicts.putIfAbsent(seq, runner.name));
            }
        }
        return verdicts;
    }

    /** In context. */
    private void install(List<PooledSession> views, Map<Long, String> verdicts) {
        for (PooledSession view : views) {
            if (live.containsKey(view.seq())) {
                String veto = verdicts.get(view.seq());
                if (veto != null) {
                    vetoes.put(view.seq(), veto);
                } else {
                    vetoes.remove(view.seq());
                }
            }
        }
    }

    // ---------------------------------------------------------------- creation

    /**
     * In context. Lets a creation start now unless the pool is backing off ({@link CreationBackoff}) or draining;
     * when it may, counts it in {@link #creating} and returns its back-off generation, else returns -1.
     */
    private long admitCreation(long nowNanos, String reason) {
        if (draining || closing || !backoff.mayAttempt(nowNanos)) {
            return -1;
        }
        creating++;
        creatingByReason.merge(reason, 1, Integer::sum);
        return backoff.attempt(nowNanos);
    }

    /** In context. A creation counted by {@link #admitCreation} settled. */
    private void settledCreation(String reason) {
        creating--;
        creatingByReason.computeIfPresent(reason, (r, n) -> n > 1 ? n - 1 : null);
    }

    /** In context. The fast failure of a stream that needs a new session while the pool backs off. */
    private CreationBackoffException backingOff(long nowNanos) {
        return new CreationBackoffException(backoff.lastFailure(), backoff.failures(),
                untilMillis(backoff.allowedAtNanos(), nowNanos));
    }

    /**
     * Connects one session; the caller has already counted it ({@link #admitCreation}). A demand creation completes
     * with the entry already carrying the caller's stream; a policy creation pools it as idle. It only submits to the
     * pool's context, so it may be called from a task of it (an open that was taken by another thread).
     *
     * @param index      the 1-based number of this creation within its maintenance run (for the log), 0 for demand
     * @param generation the back-off generation {@link #admitCreation} returned
     * @param requester  the policy that asked for it, told of the outcome; null for demand
     */
    private CompletableFuture<Entry> create(String reason, int index, boolean forDemand, long generation,
                                            PolicyRunner requester) {
        CompletableFuture<Entry> result = new CompletableFuture<>();
        CompletableFuture<Void> settled = new CompletableFuture<>();
        counter("anytls4j.pool.sessions.create.attempts", "Session creations started, by reason", "reason", reason)
                .increment();
        serial.execute(() -> inFlight.add(settled));
        CompletionStage<Session> connecting;
        try {
            connecting = connector.connect(sessionCounter::incrementAndGet);
        } catch (RuntimeException e) {
            connecting = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Session> cancellable = cancellable(connecting);
        if (cancellable != null) {
            serial.execute(() -> {
                if (closing || draining) {
                    cancellable.cancel(false);
                } else if (!cancellable.isDone()) {
                    connects.add(cancellable);
                }
            });
        }
        connecting.whenComplete((session, failure) -> {
            try {
                if (failure != null) {
                    createFailed(reason, index, generation, unwrap(failure), result, requester);
                } else {
                    created(session, reason, index, forDemand, generation, result, requester);
                }
            } catch (RuntimeException e) {
                log.error("outbound={} failed to register a new session", tag, e);
                result.completeExceptionally(e);
            } finally {
                serial.execute(() -> {
                    inFlight.remove(settled);
                    connects.remove(cancellable);
                    settled.complete(null);
                });
            }
        });
        return result;
    }

    /** The connect's future, to cancel at shutdown; null when the connector's stage cannot be cancelled. */
    private static CompletableFuture<Session> cancellable(CompletionStage<Session> connecting) {
        try {
            return connecting.toCompletableFuture();
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    private void createFailed(String reason, int index, long generation, Throwable cause,
                              CompletableFuture<Entry> result, PolicyRunner requester) {
        String description = String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause);
        serial.execute(() -> {
            settledCreation(reason);
            if ((closing || draining) && cause instanceof CancellationException) {
                result.completeExceptionally(cause);
                return;
            }
            Failure failure = failedLocked(generation, description, null);
            // Logged per attempt only at trace: the pool logs each failure streak once (failedLocked), a demand
            // failure reaches its caller, and a policy logs its own creations' failures (creationFailed).
            log.trace("outbound={} failed to create session reason={}: {}", tag, reason, cause.toString());
            if (requester != null) {
                lane.execute(() -> requester.call("creationFailed", () -> {
                    requester.policy.creationFailed(index, cause);
                    return Boolean.TRUE;
                }));
            }
            failed(failure, reason, CAUSE_CONNECT);
            result.completeExceptionally(cause);
        });
    }

    private void created(Session session, String reason, int index, boolean forDemand, long generation,
                         CompletableFuture<Entry> result, PolicyRunner requester) {
        for (NamedMonitor monitor : monitors) {
            try {
                monitor.monitor().attach(session);
            } catch (RuntimeException e) {
                log.warn("outbound={} session=#{} monitor {} failed to attach", tag, session.seq(), monitor.name(), e);
            }
        }
        Entry entry = new Entry(session, reason, generation);
        serial.execute(() -> {
            // A connect is not a success: a server refusing the password closes the session right after it. The
            // session ends a failure streak only once it proves itself (checkProof).
            settledCreation(reason);
            if (closing || draining) {
                log.debug("outbound={} session=#{} connected after shutdown; closing it", tag, session.seq());
                session.close(CloseReason.SHUTDOWN);
                result.completeExceptionally(new IllegalStateException("outbound=" + tag + " is closed"));
                return;
            }
            long now = env.ticker().nanoTime();
            live.put(entry.seq(), entry);
            if (forDemand) {
                entry.streams = 1;
            } else {
                entry.idleSinceNanos = now;
                idle.put(entry.seq(), entry);
            }
            needsVet(entry);
            if (checkProof(entry, now)) {
                recovered(entry);
            } else if (!entry.proven && backoff.backingOff()) {
                // During a streak, look again when the session has outlived its probation: if it heard from the
                // server by then, the streak ends at that moment and the policies may fill the pool.
                requestRun(session.createdNanos() + settings.probation().toNanos());
            }
            session.closeFuture().whenComplete((closeReason, ignored) ->
                    sessionClosed(entry, closeReason != null ? closeReason : CloseReason.ERROR));
            counter("anytls4j.pool.sessions.opened", "Sessions opened, by reason", "reason", reason).increment();
            if (forDemand) {
                log.debug("outbound={} session=#{} created reason={}", tag, session.seq(), reason);
            } else if (requester == null || !requester.logsCreations) {
                log.debug("outbound={} session=#{} created and pooled reason={} ({} of its run)", tag, session.seq(),
                        reason, index);
            }
            if (requester != null) {
                // The policy that asked logs its own line (e.g. ensure_idle's [EnsureIdleSession] ...), on its lane.
                PooledSession view = entry.view(true);
                lane.execute(() -> requester.call("created", () -> {
                    requester.policy.created(index, view);
                    return Boolean.TRUE;
                }));
            }
            result.complete(entry);
        });
    }

    /**
     * The session closed, by anyone: it leaves the pool at once. Closed on its own (not by the pool) before it
     * proved itself, it counts as a failed creation when nothing was ever received from the server, or when the
     * server or the path ended it within the probation: the pool backs off and does not run its policies now (a
     * server refusing the password would otherwise be hammered). Otherwise it lets the policies react now (e.g.
     * ensure_idle replacing a session the heartbeat found dead) instead of at the next regular check.
     */
    private void sessionClosed(Entry entry, CloseReason reason) {
        serial.execute(() -> {
            boolean wasOwned = live.remove(entry.seq(), entry);
            idle.remove(entry.seq(), entry);
            vetoes.remove(entry.seq());
            Failure failure = null;
            String cause = null;
            if (wasOwned && !closing && !draining && !CloseReason.SHUTDOWN.equals(reason)) {
                long now = env.ticker().nanoTime();
                if (checkProof(entry, now)) {
                    recovered(entry);
                }
                boolean heard = entry.session.lastReadNanos() != Long.MIN_VALUE;
                boolean young = now - entry.session.createdNanos() < settings.probation().toNanos();
                if (!entry.proven && (!heard || young && endedByPeerOrPath(reason))) {
                    cause = heard ? CAUSE_CLOSED_YOUNG : CAUSE_CLOSED_UNHEARD;
                    failure = failedLocked(entry.generation, describeClose(entry.session, reason, heard, now), entry);
                }
            }
            counter("anytls4j.pool.sessions.closed", "Sessions closed, by reason", "reason", reason.name()).increment();
            if (wasOwned) {
                // The transport logs the close itself; the pool's line would only repeat it.
                log.trace("outbound={} session=#{} left the pool reason={} streams={}", tag, entry.seq(), reason,
                        entry.streams);
                if (draining) {
                    checkDrained();
                } else if (failure != null) {
                    failed(failure, entry.reason, cause);
                } else {
                    requestRun(env.ticker().nanoTime());
                }
            }
        });
    }

    /**
     * Whether the server or the path ended the session (it closed the connection, reset it, broke the protocol),
     * rather than a monitor or watchdog judging it: a young session a heartbeat found dead after the server had
     * answered it is a dead path to replace at once, not a failed creation.
     */
    private static boolean endedByPeerOrPath(CloseReason reason) {
        return CloseReason.PEER_CLOSE.equals(reason) || CloseReason.ERROR.equals(reason)
                || CloseReason.PROTOCOL_ERROR.equals(reason);
    }

    /** Why a session that closed before it proved itself failed, in words for the log and the local client. */
    private String describeClose(Session session, CloseReason reason, boolean heard, long nowNanos) {
        long ageNanos = Math.max(0, nowNanos - session.createdNanos());
        String age = GoDurations.format(ageNanos - ageNanos % TimeUnit.MILLISECONDS.toNanos(1));
        boolean young = ageNanos < settings.probation().toNanos();
        if (CloseReason.PEER_CLOSE.equals(reason)) {
            if (!heard && young) {
                return "server closed the session right after authentication: wrong password or not an AnyTLS server";
            }
            if (!heard) {
                return "server closed the session " + age + " after it was made without sending anything: wrong "
                        + "password, or a server that closes unused sessions";
            }
            return "server closed the session " + age + " after it was made";
        }
        return "session closed (" + reason + ") " + age + " after it was made"
                + (heard ? "" : ", before the server sent anything");
    }

    /** The time from {@code nowNanos} to {@code atNanos}, rounded up to whole milliseconds for people to read. */
    private static Duration untilMillis(long atNanos, long nowNanos) {
        long millis = TimeUnit.MILLISECONDS.toNanos(1);
        long nanos = Math.max(0, atNanos - nowNanos);
        return Duration.ofNanos((nanos + millis - 1) / millis * millis);
    }

    /**
     * In context. Records a failed creation with the back-off and logs it, in the context so that the streak's WARN
     * comes before the DEBUG lines of the failures that follow it: WARN once per streak, with the wait really applied
     * (no creation can start sooner); DEBUG for the others.
     *
     * @param entry the session that closed before it proved itself, or null for a failed connect
     */
    private Failure failedLocked(long generation, String description, Entry entry) {
        long now = env.ticker().nanoTime();
        boolean started = backoff.failed(generation, now, description);
        String session = entry != null ? " session=#" + entry.seq() : "";
        if (started) {
            log.warn("outbound={}{} Failed to create session: {}; backing off: next attempt in {} (the wait grows up "
                            + "to {} while creations keep failing)", tag, session, description,
                    GoDurations.format(backoff.delayNanos()), GoDurations.format(settings.backoffMax()));
        } else {
            log.debug("outbound={}{} Failed to create session ({} in a row): {}; next attempt in {}", tag, session,
                    backoff.failures(), description, GoDurations.format(untilMillis(backoff.allowedAtNanos(), now)));
        }
        return new Failure(backoff.allowedAtNanos());
    }

    /** In context: meters a failed creation and has the policies evaluated when the next one may start. */
    private void failed(Failure failure, String reason, String cause) {
        Counter.builder("anytls4j.pool.sessions.create.failures").description("Session creations that failed")
                .tag("outbound", tag).tag("reason", reason)
                .tag("cause", cause).register(env.meterRegistry()).increment();
        requestRun(failure.allowedAtNanos());
    }

    /**
     * In context. Whether {@code entry} proved itself now (it heard from the server and has outlived the probation),
     * marking it so; returns true when that ended a failure streak.
     */
    private boolean checkProof(Entry entry, long nowNanos) {
        if (entry.proven || entry.session.lastReadNanos() == Long.MIN_VALUE
                || nowNanos - entry.session.createdNanos() < settings.probation().toNanos()) {
            return false;
        }
        entry.proven = true;
        long streakStart = backoff.streakStartNanos();
        int failures = backoff.failures();
        if (!backoff.succeeded()) {
            return false;
        }
        entry.endedStreak = new Streak(failures, nowNanos - streakStart);
        return true;
    }

    /** In context: a session ended a failure streak; logs it once and lets the policies fill the pool now. */
    private void recovered(Entry entry) {
        logRecovery(entry);
        requestRun(env.ticker().nanoTime());
    }

    private void logRecovery(Entry entry) {
        Streak streak = entry.endedStreak;
        log.info("outbound={} session=#{} Creating sessions works again (after {} failed creations in {})", tag,
                entry.seq(), streak.failures(), GoDurations.format(streak.nanos() - streak.nanos()
                        % TimeUnit.MILLISECONDS.toNanos(1)));
    }

    // ---------------------------------------------------------------- maintenance

    /**
     * On the lane. One maintenance run: the policies are asked in order, each on the snapshot the earlier ones' applied
     * actions left, off the pool's context; each decision is applied in the context, where a close acts only on a
     * session still idle as the policy saw it. Then every live session is vetted for hand-out.
     */
    private void runMaintenance() {
        long now = env.ticker().nanoTime();
        RunStart start = serial.call(() -> {
            if (closing || draining) {
                return null;
            }
            maintaining = true;
            runRequestedAt = Long.MAX_VALUE;
            Entry recovered = null;
            for (Entry entry : live.values()) {
                if (checkProof(entry, now)) {
                    recovered = entry;
                }
            }
            return new RunStart(recovered, proofCheckAt(now), snapshotNow());
        });
        if (start == null) {
            return;
        }
        if (start.recovered() != null) {
            logRecovery(start.recovered());              // this run's policies already saw the streak ended
        }
        List<Closing> closes = new ArrayList<>();
        List<Creation> creations = new ArrayList<>();
        Set<String> closers = new LinkedHashSet<>();
        Set<String> conflicts = new LinkedHashSet<>();
        long askAgainAt = start.askAgainAt();
        PoolSnapshot snapshot = start.snapshot();
        int protectedThisRun = 0;
        try {
            for (PolicyRunner runner : policies) {
                if (runner.disabled) {
                    continue;
                }
                PoolSnapshot seen = snapshot;
                int protectedSoFar = protectedThisRun;
                Decision decision = runner.policy instanceof IdleCleanupPolicy cleanup
                        ? cleanup.evaluate(seen, now, protectedSoFar)
                        : runner.call("evaluate", () -> requireNonNull(runner.policy.evaluate(seen, now), "decision"));
                if (decision == null) {
                    continue;                            // failed: its actions are dropped (logged by the runner)
                }
                Applied applied = serial.call(() -> apply(runner, decision.actions(), seen, now, closes, creations));
                snapshot = applied.snapshot();
                protectedThisRun += applied.protectedCount();
                askAgainAt = Math.min(askAgainAt, decision.askAgainAtNanos());
                if (applied.created()) {
                    for (String closer : lastRunClosers) {
                        conflicts.add(closer + "\u0000" + runner.name);
                    }
                    for (String closer : closers) {
                        conflicts.add(closer + "\u0000" + runner.name);
                    }
                }
                if (applied.closed()) {
                    closers.add(runner.name);
                }
            }
            List<PooledSession> all = new ArrayList<>(snapshot.idle());
            all.addAll(snapshot.busy());
            Map<Long, String> verdicts = vetters.isEmpty() ? Map.of() : verdicts(all, now);
            long next = askAgainAt;
            serial.call(() -> {
                install(all, verdicts);
                return null;
            });
            finishRun(now, next);
        } catch (RuntimeException | Error e) {
            serial.execute(() -> maintaining = false);
            throw e;
        }
        trackConflicts(closers, conflicts, now);
        for (Closing close : closes) {
            log.debug("outbound={} session=#{} closed reason={} {}", tag, close.entry().seq(), close.action().reason(),
                    close.action().detail());
            close.entry().session.close(close.action().reason());
        }
        if (!creations.isEmpty()) {
            serial.execute(() -> {
                waitingCreations.addAll(creations);
                startWaitingCreations();
            });
        }
    }

    /**
     * In context. Starts waiting policy creations while fewer than {@code session_create_concurrency} are connecting;
     * each one that settles, pooled or failed, lets the next start, unless the pool is backing off after a failed
     * creation: then the waiting ones are dropped. A thousand handshakes at once (an {@code ensure_idle_session} of
     * 1000) left their scratch memory behind in both processes.
     */
    private void startWaitingCreations() {
        if (closing || draining) {
            dropWaitingCreations(creation -> true);    // the pool began to shut down after a run admitted them
            return;
        }
        if (backoff.backingOff()) {
            // Those admitted before a failure are not started: each failure would start the next at once. The
            // policies' next run asks again, and the back-off admits one creation per wait.
            int dropped = dropWaitingCreations(creation -> creation.generation() != backoff.generation());
            if (dropped > 0) {
                log.debug("outbound={} a session creation failed: {} waiting policy creations are not started",
                        tag, dropped);
            }
        }
        int limit = settings.createConcurrency();
        while (!waitingCreations.isEmpty() && (limit == 0 || policyConnecting < limit)) {
            Creation creation = waitingCreations.poll();
            policyConnecting++;
            create(creation.reason(), creation.index(), false, creation.generation(), creation.requester())
                    .whenComplete((entry, failure) -> serial.execute(() -> {
                        policyConnecting--;
                        startWaitingCreations();
                    }));
        }
    }

    /** In context. The waiting policy creations that match will not start; uncounts them and returns how many. */
    private int dropWaitingCreations(Predicate<Creation> which) {
        int before = waitingCreations.size();
        waitingCreations.removeIf(creation -> {
            boolean drop = which.test(creation);
            if (drop) {
                settledCreation(creation.reason());
            }
            return drop;
        });
        return before - waitingCreations.size();
    }

    /** On the lane: ends a run and schedules the next, at the earliest time a policy or an event asked for. */
    private void finishRun(long now, long askAgainAt) {
        serial.call(() -> {
            maintaining = false;
            if (!closing && !draining) {
                scheduleNextRun(now, Math.min(askAgainAt, runRequestedAt));
            }
            runRequestedAt = Long.MAX_VALUE;
            return null;
        });
    }

    /**
     * On the lane. Warns once (per hour and pair) when one policy recreates, run after run, what another closed in
     * the same or the previous run: the two undo each other and the pool churns sessions.
     */
    private void trackConflicts(Set<String> closers, Set<String> conflicts, long now) {
        lastRunClosers = Set.copyOf(closers);
        conflictStreaks.keySet().retainAll(conflicts);
        for (String pair : conflicts) {
            String[] names = pair.split("\u0000", 2);
            if (names[0].equals(names[1])) {
                continue;
            }
            int runs = conflictStreaks.merge(pair, 1, Integer::sum);
            Long warned = conflictWarnedAt.get(pair);
            if (runs >= CONFLICT_RUNS && (warned == null || now - warned >= CONFLICT_WARN_EVERY_NANOS)) {
                conflictWarnedAt.put(pair, now);
                log.warn("outbound={} policies {} and {} undo each other: {} closed sessions that {} created again, "
                                + "{} runs in a row; the pool churns sessions (check their settings: "
                                + "docs/TROUBLESHOOTING.md)", tag, names[0], names[1], names[0], names[1], runs);
                counter("anytls4j.pool.policy.conflicts",
                        "Runs in which a policy created again what another had closed, by policy pair", "policies", names[0] + "," + names[1]).increment();
            }
        }
    }

    /**
     * In context. While a failure streak lasts, when to look again at the sessions that have not proved themselves
     * yet: at the end of a session's probation, then every probation (at least every second) until it heard from the
     * server or closed. {@link Decision#AT_NEXT_CHECK} when there is nothing to watch.
     */
    private long proofCheckAt(long nowNanos) {
        if (!backoff.backingOff()) {
            return Decision.AT_NEXT_CHECK;
        }
        long probation = settings.probation().toNanos();
        long again = Math.max(probation, TimeUnit.SECONDS.toNanos(1));
        long at = Decision.AT_NEXT_CHECK;
        for (Entry entry : live.values()) {
            if (!entry.proven && entry.session.isActive()) {
                long due = entry.session.createdNanos() + probation;
                at = Math.min(at, due > nowNanos ? due : nowNanos + again);
            }
        }
        return at;
    }

    /**
     * In context. Carries out one policy's actions; sessions are closed and connects started after the run's
     * decisions. A close acts only on a session still idle as the policy saw it (not taken, nor used and returned,
     * since its snapshot).
     */
    private Applied apply(PolicyRunner runner, List<PoolAction> actions, PoolSnapshot seen, long now,
                          List<Closing> closes, List<Creation> creations) {
        String policyName = runner.name;
        int protectedCount = 0;
        boolean closed = false;
        boolean created = false;
        if (!closing && !draining) {
            for (PoolAction action : actions) {
                if (action instanceof PoolAction.Close close) {
                    Entry entry = idle.get(close.seq());
                    if (entry == null || entry.idleSinceNanos != idleSince(seen, close.seq())) {
                        log.debug("outbound={} session=#{} close by {} ignored: not idle", tag, close.seq(),
                                policyName);
                        continue;
                    }
                    idle.remove(close.seq());
                    live.remove(close.seq());
                    vetoes.remove(close.seq());
                    closes.add(new Closing(entry, close));
                    closed = true;
                } else if (action instanceof PoolAction.ResetIdle reset) {
                    Entry entry = idle.get(reset.seq());
                    if (entry != null) {
                        entry.idleSinceNanos = now;
                        entry.heldBy = policyName;
                        protectedCount++;
                    }
                } else if (action instanceof PoolAction.Create create) {
                    // The back-off holds for every creator: while it lasts, a policy gets at most one creation per
                    // wait.
                    int first = creations.size() + 1;
                    int started = 0;
                    for (; started < create.count(); started++) {
                        long generation = admitCreation(now, create.reason().name());
                        if (generation < 0) {
                            break;
                        }
                        creations.add(new Creation(create.reason().name(), first + started, generation, runner));
                        created = true;
                    }
                    if (started < create.count()) {
                        log.debug("outbound={} backing off after {} failed creations: starting {} of the {} sessions "
                                        + "{} asked for; next attempt in {}", tag, backoff.failures(), started,
                                create.count(), policyName,
                                GoDurations.format(untilMillis(backoff.allowedAtNanos(), now)));
                    }
                }
            }
        }
        return new Applied(snapshotNow(), protectedCount, closed, created);
    }

    private static long idleSince(PoolSnapshot snapshot, long seq) {
        for (PooledSession session : snapshot.idle()) {
            if (session.seq() == seq) {
                return session.idleSinceNanos();
            }
        }
        return Long.MIN_VALUE;
    }

    /** In context. */
    private PoolSnapshot snapshotNow() {
        List<PooledSession> idleViews = new ArrayList<>(idle.size());
        idle.values().forEach(entry -> idleViews.add(entry.view(true)));
        List<PooledSession> busyViews = new ArrayList<>();
        live.values().stream().filter(entry -> !idle.containsKey(entry.seq()))
                .sorted(Comparator.comparingLong(Entry::seq).reversed())
                .forEach(entry -> busyViews.add(entry.view(false)));
        PoolSnapshot.Builder snapshot = PoolSnapshot.builder(tag).idle(idleViews).busy(busyViews).creating(creating)
                .failures(backoff.failures(), backoff.lastFailureNanos(), backoff.lastFailure())
                .createAllowedAtNanos(backoff.backingOff() ? backoff.allowedAtNanos() : Long.MIN_VALUE);
        creatingByReason.forEach(snapshot::creating);
        return snapshot.build();
    }

    /** In context. */
    private void scheduleNextRun(long now, long askAgainAt) {
        long regular = now + settings.checkInterval().toNanos();
        long at = Math.min(regular, Math.max(askAgainAt, now + MIN_RUN_DELAY_NANOS));
        schedule(now, at);
    }

    /** In context. */
    private void schedule(long now, long at) {
        if (nextRun != null) {
            nextRun.cancel(false);
        }
        nextRunAtNanos = at;
        nextRun = env.scheduler().schedule(() -> lane.execute(this::runMaintenanceSafely), at - now,
                TimeUnit.NANOSECONDS);
    }

    /**
     * In context. Brings the next run forward to {@code atNanos} (or the minimum delay) if it is due later; during a
     * run, the run's end takes it into account.
     */
    private void requestRun(long atNanos) {
        if (closing || draining || !started) {
            return;
        }
        if (maintaining) {
            runRequestedAt = Math.min(runRequestedAt, atNanos);
            return;
        }
        long now = env.ticker().nanoTime();
        long at = Math.max(atNanos, now + MIN_RUN_DELAY_NANOS);
        if (at < nextRunAtNanos) {
            schedule(now, at);
        }
    }

    private void runMaintenanceSafely() {
        try {
            runMaintenance();
        } catch (RuntimeException e) {
            log.error("outbound={} pool maintenance failed; retrying at the next interval", tag, e);
            serial.execute(() -> {
                maintaining = false;
                if (!closing && !draining) {
                    scheduleNextRun(env.ticker().nanoTime(), Decision.AT_NEXT_CHECK);
                }
            });
        }
    }

    // ---------------------------------------------------------------- metrics

    private void registerGauges() {
        MeterRegistry registry = env.meterRegistry();
        gauges.add(Gauge.builder("anytls4j.pool.sessions.idle", this, p -> p.count(State.IDLE))
                .description("Sessions in the idle pool").tag("outbound", tag).strongReference(true).register(registry));
        gauges.add(Gauge.builder("anytls4j.pool.sessions.active", this, p -> p.count(State.ACTIVE))
                .description("Sessions carrying streams").tag("outbound", tag).strongReference(true).register(registry));
        gauges.add(Gauge.builder("anytls4j.pool.sessions.live", this, p -> p.count(State.TOTAL))
                .description("Live sessions, idle or busy").tag("outbound", tag).strongReference(true)
                .register(registry));
        gauges.add(Gauge.builder("anytls4j.pool.sessions.create.backoff", this, p -> p.count(State.BACKOFF) / 1e9)
                .description("The wait between session creations while they keep failing; 0 when they work")
                .baseUnit("seconds").tag("outbound", tag).strongReference(true).register(registry));
        gauges.add(Gauge.builder("anytls4j.pool.sessions.create.consecutive.failures", this,
                        p -> p.count(State.FAILURES))
                .description("Session creations that failed in a row; 0 once a session proved itself")
                .tag("outbound", tag).strongReference(true).register(registry));
        gauges.add(Gauge.builder("anytls4j.pool.sessions.create.waiting", this, p -> p.count(State.WAITING))
                .description("Session creations policies asked for that wait for a connecting place "
                        + "(session_create_concurrency)")
                .tag("outbound", tag).strongReference(true).register(registry));
    }

    private enum State { IDLE, ACTIVE, TOTAL, BACKOFF, FAILURES, WAITING }

    private double count(State state) {
        return serial.call(() -> switch (state) {
            case IDLE -> (double) idle.size();
            case ACTIVE -> (double) (live.size() - idle.size());
            case TOTAL -> (double) live.size();
            case BACKOFF -> (double) backoff.delayNanos();
            case FAILURES -> (double) backoff.failures();
            case WAITING -> (double) waitingCreations.size();
        });
    }

    private Counter counter(String name, String help, String tagKey, String tagValue) {
        return Counter.builder(name).description(help).tag("outbound", tag).tag(tagKey, tagValue)
                .register(env.meterRegistry());
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Starts draining (idempotent): from now on the pool creates no session (no demand, ensure, replacement or
     * reconnect), runs no maintenance, hands no session out and closes each idle session now; a busy session closes
     * when its last stream ends. Completes when no session is left.
     */
    public CompletionStage<Void> drain() {
        serial.execute(() -> {
            if (draining || closing) {
                return;
            }
            draining = true;
            if (nextRun != null) {
                nextRun.cancel(false);
                nextRun = null;
            }
            dropWaitingCreations(creation -> true);
            new ArrayList<>(connects).forEach(connect -> connect.cancel(false));
            List<Entry> idleNow = new ArrayList<>(idle.values());
            idle.clear();
            int streams = 0;
            for (Entry entry : live.values()) {
                streams += entry.streams;
            }
            idleNow.forEach(entry -> live.remove(entry.seq()));
            vetoes.clear();
            log.info("outbound={} pool draining: closing {} idle sessions; {} busy sessions carrying {} streams may "
                            + "finish within shutdown_grace_period={}", tag, idleNow.size(), live.size(), streams,
                    GoDurations.format(settings.shutdownGrace()));
            idleNow.forEach(entry -> entry.session.close(CloseReason.SHUTDOWN));
            checkDrained();
        });
        return drained;
    }

    /** In context. */
    private void checkDrained() {
        if (draining && live.isEmpty()) {
            drained.complete(null);
        }
    }

    /**
     * Shuts the pool down gracefully: {@link #drain()}, then, when every stream has ended or
     * {@code shutdown_grace_period} has passed, {@link #closeAsync()}.
     */
    public CompletionStage<Void> closeGracefully() {
        CompletableFuture<Void> done = drain().toCompletableFuture();
        long grace = settings.shutdownGrace().toNanos();
        if (!done.isDone() && grace > 0) {
            CompletableFuture<Void> deadline = new CompletableFuture<>();
            try {
                ScheduledFuture<?> timer = env.scheduler().schedule(() -> deadline.complete(null), grace,
                        TimeUnit.NANOSECONDS);
                done.whenComplete((r, e) -> timer.cancel(false));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                deadline.complete(null);
            }
            return done.applyToEither(deadline, r -> r).thenCompose(r -> closeAsync());
        }
        return closeAsync();
    }

    /**
     * Shuts the pool down now (see the class comment); completes when every session it owned has closed and every
     * connect that was in flight has settled. Idempotent.
     */
    public CompletionStage<Void> closeAsync() {
        record Closure(List<Entry> sessions, List<CompletableFuture<Session>> cancelling,
                       List<CompletableFuture<?>> waits) {
        }
        Closure closure = serial.call(() -> {
            if (closing) {
                return null;
            }
            closing = true;
            if (nextRun != null) {
                nextRun.cancel(false);
                nextRun = null;
            }
            dropWaitingCreations(creation -> true);
            List<Entry> sessions = new ArrayList<>(live.values());
            live.clear();
            idle.clear();
            vetoes.clear();
            return new Closure(sessions, new ArrayList<>(connects), new ArrayList<>(inFlight));
        });
        if (closure == null) {
            return closed;
        }
        List<Entry> sessions = closure.sessions();
        List<CompletableFuture<?>> waits = closure.waits();
        closure.cancelling().forEach(connect -> connect.cancel(false));
        log.info("outbound={} pool closing: {} sessions, {} connects in flight", tag, sessions.size(), waits.size());
        for (Entry entry : sessions) {
            if (draining && entry.streams > 0) {
                log.info("outbound={} session=#{} still carried {} streams at the end of shutdown_grace_period={}; "
                        + "closing it", tag, entry.seq(), entry.streams, GoDurations.format(settings.shutdownGrace()));
            }
            entry.session.close(CloseReason.SHUTDOWN);
            waits.add(entry.session.closeFuture().toCompletableFuture().handle((r, e) -> null));
        }
        drained.complete(null);
        try {
            connector.close();
        } catch (RuntimeException e) {
            log.warn("outbound={} connector failed to close", tag, e);
        }
        schedulers.forEach(PluginScheduler::cancelAll);
        // Policies are told on their lane, after any call still queued there, so close() never overlaps another call.
        CompletableFuture<Void> policiesClosed = new CompletableFuture<>();
        lane.execute(() -> {
            for (PolicyRunner policy : policies) {
                try {
                    policy.policy.close();
                } catch (RuntimeException e) {
                    log.warn("outbound={} policy {} failed to close", tag, policy.name, e);
                }
            }
            policiesClosed.complete(null);
        });
        waits.add(policiesClosed);
        for (NamedMonitor monitor : monitors) {
            try {
                monitor.monitor().close();
            } catch (RuntimeException e) {
                log.warn("outbound={} monitor {} failed to close", tag, monitor.name(), e);
            }
        }
        gauges.forEach(env.meterRegistry()::remove);
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new))
                .whenComplete((r, e) -> closed.complete(null));
        return closed;
    }

    /**
     * {@link #closeAsync()}, waiting up to 5 s for sessions to close. Never call it on an event loop that a session
     * of this pool runs on.
     */
    @Override
    public void close() {
        try {
            closeAsync().toCompletableFuture().get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("outbound={} pool did not close cleanly within {}s: {}", tag, CLOSE_WAIT_SECONDS, e.toString());
        }
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Override
    public String toString() {
        return "SessionPool[outbound=" + tag + "]";
    }

    // ---------------------------------------------------------------- policies

    /**
     * One policy of this pool and its failure record. Its code runs only on the lane, through {@link #call}: on the
     * policy executor, waited for at most {@code policy_time_budget}. A call that throws or overruns fails (its
     * result is dropped; the caller fails closed); the first failure of a method's streak is logged at WARN, the others
     * at DEBUG; after {@code policy_failure_limit} failures in a row of one method the policy is disabled. While a call that overran is still
     * running, the policy is not called again (each later call fails at once), so a stuck policy holds one thread.
     */
    private final class PolicyRunner {
        final String name;
        final String pluginId;
        final PoolPolicy policy;
        /** Consecutive failed calls, by method; a method's success clears its count. Lane-confined. */
        private final Map<String, Integer> failures = new HashMap<>();
        /** The call that overran its budget and may still run, and its method. Lane-confined. */
        private CompletableFuture<?> overrunning;
        private String overrunningMethod;
        /** Written on the lane, read anywhere. */
        volatile boolean disabled;

        /** Whether it logs its own creations ({@link PoolPolicy#created}), so the pool's line would repeat it. */
        final boolean logsCreations;

        PolicyRunner(NamedPolicy named) {
            this.name = named.name();
            this.pluginId = named.pluginId();
            this.policy = named.policy();
            this.logsCreations = overrides(policy, "created", int.class, PooledSession.class);
        }

        String name() {
            return name;
        }

        /** The result of {@code body}, or null when the call failed (recorded and logged here). */
        <T> T call(String method, Supplier<T> body) {
            if (disabled) {
                return null;
            }
            if (overrunning != null && !overrunning.isDone()) {
                // Counted against the stuck method: a policy stuck in evaluate fails each later call until disabled.
                failed(overrunningMethod, method + " not called: " + overrunningMethod + " is still running a call "
                        + "that overran policy_time_budget=" + GoDurations.format(settings.policyTimeBudget()), null,
                        "overrun");
                return null;
            }
            overrunning = null;
            CompletableFuture<T> call;
            try {
                call = CompletableFuture.supplyAsync(body, env.policyExecutor());
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return null;                             // the host is shutting down
            }
            try {
                T result = call.get(settings.policyTimeBudget().toNanos(), TimeUnit.NANOSECONDS);
                failures.remove(method);
                return result;
            } catch (TimeoutException e) {
                overrunning = call;
                overrunningMethod = method;
                failed(method, method + " overran policy_time_budget=" + GoDurations.format(settings.policyTimeBudget()),
                        null, "overrun");
            } catch (ExecutionException e) {
                failed(method, method + " threw " + e.getCause(), e.getCause(), "exception");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed(method, method + " was interrupted", null, "interrupted");
            }
            return null;
        }

        private void failed(String method, String what, Throwable cause, String kind) {
            int inARow = failures.merge(method, 1, Integer::sum);
            Counter.builder("anytls4j.pool.policy.failures")
                    .description("Policy calls that threw or overran policy_time_budget, by policy and cause")
                    .tag("outbound", tag).tag("policy", name)
                    .tag("cause", kind).register(env.meterRegistry()).increment();
            if (inARow == 1) {
                log.warn("outbound={} policy {} (plugin {}) failed: {}; failing closed: its actions are dropped and "
                        + "sessions it could not vouch for are not handed out", tag, name, pluginId, what, cause);
            } else {
                log.debug("outbound={} policy {} (plugin {}) failed again ({} in a row): {}", tag, name, pluginId,
                        inARow, what);
            }
            if (inARow >= settings.policyFailureLimit() && !disabled) {
                disabled = true;
                Counter.builder("anytls4j.pool.policy.disabled")
                        .description("Policies disabled after policy_failure_limit failures in a row")
                        .tag("outbound", tag).tag("policy", name)
                        .register(env.meterRegistry()).increment();
                serial.execute(() -> vetoes.values().removeIf(name::equals));
                log.warn("outbound={} policy {} (plugin {}) disabled after {} consecutive failures; the pool goes on "
                        + "without it until the next start", tag, name, pluginId, inARow);
            }
        }
    }

    // ---------------------------------------------------------------- bookkeeping types

    /** A live session and the pool's bookkeeping of it; mutable fields confined to the pool's context. */
    private static final class Entry {
        final Session session;
        /** Who created it ({@code demand}, {@code ensure}, ...), for the failure meter. */
        final String reason;
        /** The back-off generation its creation started under. */
        final long generation;
        long idleSinceNanos;
        int streams;
        /** The policy that last reset its idle timer or refused to hand it out since its last hand-out, or null. */
        String heldBy;
        /** It heard from the server and outlived the probation: its close is no failed creation. */
        boolean proven;
        /** The failure streak its proof ended, for the recovery line; null when it ended none. */
        Streak endedStreak;

        Entry(Session session, String reason, long generation) {
            this.session = session;
            this.reason = reason;
            this.generation = generation;
        }

        long seq() {
            return session.seq();
        }

        PooledSession view(boolean isIdle) {
            return PooledSession.builder(session.seq()).createdNanos(session.createdNanos())
                    .idleSinceNanos(idleSinceNanos).idle(isIdle).openStreams(streams).peerVersion(session.peerVersion())
                    .build();
        }
    }

    /** A stream's claim on a session; {@code pooled} when the session existed before this open. */
    private record Lease(Entry entry, boolean pooled) {
    }

    /** What {@link #acquire} decided: a lease, or a creation admitted (its generation), or a failure. */
    private record Acquired(Lease lease, long generation, Throwable failure) {
    }

    private record NamedPolicy(String name, int order, String pluginId, PoolPolicy policy) {
    }

    private record NamedMonitor(String name, SessionMonitor monitor) {
    }

    private record Closing(Entry entry, PoolAction.Close action) {
    }

    private record Creation(String reason, int index, long generation, PolicyRunner requester) {
    }

    private record RunStart(Entry recovered, long askAgainAt, PoolSnapshot snapshot) {
    }

    private record Applied(PoolSnapshot snapshot, int protectedCount, boolean closed, boolean created) {
    }

    /** A failed creation as recorded: when the next creation may start. */
    private record Failure(long allowedAtNanos) {
    }

    /** A failure streak a session ended: how many failures, over how long. */
    private record Streak(int failures, long nanos) {
    }
}
