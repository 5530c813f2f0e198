package org.anytls4j.core.runtime;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.PluginContext;
import org.anytls4j.api.Ticker;
import org.anytls4j.api.inbound.Inbound;
import org.anytls4j.api.inbound.InboundFactory;
import org.anytls4j.api.monitor.SessionMonitorFactory;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.api.outbound.SessionConnector;
import org.anytls4j.api.outbound.TransportFactory;
import org.anytls4j.api.pool.PoolPolicyFactory;
import org.anytls4j.core.admin.AdminServer;
import org.anytls4j.core.admin.AdminSettings;
import org.anytls4j.core.admin.PoolView;
import org.anytls4j.core.config.BlockSpec;
import org.anytls4j.core.config.ConfigLoader;
import org.anytls4j.core.config.ConfigProblem;
import org.anytls4j.core.config.ConfigValidator;
import org.anytls4j.core.config.InvalidConfigException;
import org.anytls4j.core.config.ValidatedConfig;
import org.anytls4j.core.outbound.DirectOutbound;
import org.anytls4j.core.plugin.PluginContributions;
import org.anytls4j.core.pool.PoolEnvironment;
import org.anytls4j.core.pool.SessionPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's run-time service: turns a configuration into running outbounds and inbounds, and stops them.
 * {@code anytls4j run}, {@code client} and {@code server} use it; {@code check} uses {@link #validate} and
 * {@link #assemble} without starting anything.
 *
 * <p>Building an outbound of a pooled type: the transport's {@code create(settings, TransportContext)} gives a
 * {@link SessionConnector}, wrapped in a {@link SessionPool} with every installed policy and monitor factory (the
 * pool decides which run). {@code direct}: a {@link DirectOutbound}. An inbound goes to the outbound its
 * {@code outbound} key names, else the first outbound, else an implicit {@code direct}. A factory's
 * {@link InvalidSettingException} or {@code ConfigException} becomes a {@link ConfigProblem} with the block's path;
 * all problems are reported at once.
 *
 * <p>The admin listener ({@code admin { enabled, listen, listen_port }}, off by default) starts after the inbounds
 * and stops before them. It scrapes the host's one {@link PrometheusMeterRegistry}, which is also what every
 * plugin's {@link PluginContext#meterRegistry()} and the pools record to, and its {@code /pool} shows every pooled
 * outbound of the running configuration.
 *
 * <h2>Threading and lifecycle</h2>
 * {@link #start} and {@link #stop} are synchronized; one configuration runs at a time. {@link #close()} stops and
 * then shuts the event loops and the scheduler down; the host cannot start again after it. Owned by the launcher.
 */
public final class Host implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Host.class);
    /** How long {@link #start} waits for an inbound to bind. */
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(30);
    private static final String ADMIN = "admin";

    private final PluginContributions contributions;
    private final Map<String, TransportFactory> transports;
    private final Map<String, InboundFactory> inbounds;
    private final Map<String, PoolPolicyFactory> policies;
    private final Map<String, SessionMonitorFactory> monitors;
    private final DefaultNettyResources netty;
    private final PrometheusMeterRegistry meterRegistry;
    private final Ticker ticker;
    private final ScheduledExecutorService scheduler;
    /**
     * Runs the pools' maintenance runs and their policies' code, never on an I/O thread or the scheduler. Cached
     * threads: one per pool running maintenance, plus one per policy call in progress (a call that overruns its budget
     * keeps its thread, but the pool calls that policy no more until it returns, and disables it after
     * {@code policy_failure_limit}), so the threads stay bounded by the pools and policies configured.
     */
    private final java.util.concurrent.ExecutorService policyExecutor;
    private Assembly running;
    private AdminServer admin;
    private InetSocketAddress adminAddress;

    @Inject
    public Host(PluginContributions contributions, Map<String, TransportFactory> transports,
                Map<String, InboundFactory> inbounds, Map<String, PoolPolicyFactory> policies,
                Map<String, SessionMonitorFactory> monitors, DefaultNettyResources netty, PrometheusMeterRegistry meterRegistry,
                Ticker ticker) {
        this.contributions = requireNonNull(contributions, "contributions");
        this.transports = Map.copyOf(transports);
        this.inbounds = Map.copyOf(inbounds);
        this.policies = Map.copyOf(policies);
        this.monitors = Map.copyOf(monitors);
        this.netty = requireNonNull(netty, "netty");
        this.meterRegistry = requireNonNull(meterRegistry, "meterRegistry");
        this.ticker = requireNonNull(ticker, "ticker");
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = Executors.defaultThreadFactory().newThread(runnable);
            thread.setName("anytls4j-scheduler");
            thread.setDaemon(true);
            thread.setUncaughtExceptionHandler(FatalErrors.process());
            return thread;
        }) {
            /** A scheduled task keeps what it threw in its future: an Error there is as fatal as anywhere. */
            @Override
            protected void afterExecute(Runnable task, Throwable thrown) {
                if (thrown == null && task instanceof java.util.concurrent.Future<?> future && future.isDone()
                        && !future.isCancelled()) {
                    try {
                        future.get();
                    } catch (ExecutionException e) {
                        thrown = e.getCause();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (thrown instanceof Error error) {
                    FatalErrors.process().fatal(Thread.currentThread(), error);
                }
            }
        };
        executor.setRemoveOnCancelPolicy(true);
        this.scheduler = executor;
        java.util.concurrent.atomic.AtomicInteger policyThreads = new java.util.concurrent.atomic.AtomicInteger();
        this.policyExecutor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = Executors.defaultThreadFactory().newThread(runnable);
            thread.setName("anytls4j-pool-policy-" + policyThreads.incrementAndGet());
            thread.setDaemon(true);
            thread.setUncaughtExceptionHandler(FatalErrors.process());
            return thread;
        });
    }

    /** Reads {@code file} (or {@code -Dconfig.file}, or nothing) over the defaults and validates it. */
    public ValidatedConfig load(Optional<Path> file) {
        return new ConfigValidator(contributions).validate(ConfigLoader.load(file, contributions.reference()));
    }

    /** Validates an already parsed configuration (e.g. one the launcher built from flags). */
    public ValidatedConfig validate(Config user, String source) {
        return new ConfigValidator(contributions).validate(
                ConfigLoader.resolve(source, user, contributions.reference()));
    }

    /**
     * Builds every outbound and inbound without starting them.
     *
     * @throws InvalidConfigException listing every factory's complaint
     */
    public Assembly assemble(ValidatedConfig config) {
        Map<String, PluginContext> contexts = new HashMap<>();
        PoolEnvironment environment = new PoolEnvironment(ticker, scheduler, meterRegistry,
                () -> new SplittableRandom(new SecureRandom().nextLong()),
                factory -> contextOf(factory, config, contexts), policyExecutor);
        List<ConfigProblem> problems = new ArrayList<>();
        try {
            adminSettings(config);
        } catch (InvalidSettingException e) {
            problems.add(ConfigProblem.of(ADMIN, e));
        }
        List<Assembly.BuiltOutbound> outs = new ArrayList<>();
        List<AutoCloseable> implicit = new ArrayList<>();
        Map<String, Outbound> byTag = new LinkedHashMap<>();
        for (BlockSpec spec : config.outbounds()) {
            Assembly.BuiltOutbound built = everyBadValue(spec, problems,
                    attempt -> buildOutbound(attempt, config, contexts, environment));
            if (built != null) {
                outs.add(built);
                byTag.put(spec.tag(), built.outbound());
            }
        }
        List<Assembly.BuiltInbound> ins = new ArrayList<>();
        for (BlockSpec spec : config.inbounds()) {
            try {
                String routeTag;
                Outbound route;
                if (spec.settings().hasPath("outbound")) {
                    routeTag = spec.settings().getString("outbound");
                    route = byTag.get(routeTag);
                } else if (!byTag.isEmpty()) {
                    routeTag = byTag.keySet().iterator().next();
                    route = byTag.get(routeTag);
                } else {
                    routeTag = ConfigValidator.DIRECT;
                    DirectOutbound direct = new DirectOutbound(routeTag,
                            config.full().getConfig("anytls4j.outbound.direct"), netty);
                    implicit.add(direct);
                    byTag.put(routeTag, direct);
                    route = direct;
                }
                if (route == null) {
                    continue; // the outbound it names failed to build, which is reported already
                }
                InboundFactory factory = inbounds.get(spec.type());
                Inbound inbound = everyBadValue(spec, problems, attempt -> factory.create(attempt.settings(),
                        new DefaultInboundContext(contextOf(factory, config, contexts), spec.tag(), netty, route,
                                byTag)));
                if (inbound != null) {
                    ins.add(new Assembly.BuiltInbound(spec, inbound, routeTag));
                }
            } catch (RuntimeException e) {
                problems.add(problemOf(spec, e));
            }
        }
        // Each plugin's scheduling handle lives as long as this assembly: its tasks are cancelled when it closes.
        implicit.add(() -> {
            synchronized (contexts) {
                contexts.values().forEach(context -> {
                    if (context.scheduler() instanceof PluginScheduler handle) {
                        handle.cancelAll();
                    }
                });
            }
        });
        Assembly assembly = new Assembly(outs, ins, implicit);
        if (!problems.isEmpty()) {
            assembly.close();
            throw new InvalidConfigException(problems);
        }
        return assembly;
    }

    /**
     * Builds {@code spec} with {@code build}; while the factory refuses a value ({@link InvalidSettingException})
     * that has a default, builds again with that value set back to its default, so that every bad value of the
     * block is reported, not only the first. Each refusal goes to {@code problems}; what is built after a refusal
     * is returned all the same (the caller closes it with the assembly, which fails).
     *
     * @return what was built, or null when the block cannot be built at all
     */
    private static <T> T everyBadValue(BlockSpec spec, List<ConfigProblem> problems, Function<BlockSpec, T> build) {
        BlockSpec attempt = spec;
        Set<String> refused = new HashSet<>();
        while (true) {
            try {
                return build.apply(attempt);
            } catch (RuntimeException e) {
                if (e instanceof InvalidConfigException nested) {
                    problems.addAll(nested.problems());
                } else {
                    problems.add(problemOf(spec, e));
                }
                if (!(e instanceof InvalidSettingException invalid) || !refused.add(invalid.key())) {
                    return null;
                }
                Optional<BlockSpec> next = attempt.withDefault(invalid.key());
                if (next.isEmpty()) {
                    return null;
                }
                attempt = next.get();
            }
        }
    }

    private static AdminSettings adminSettings(ValidatedConfig config) {
        return AdminSettings.parse(config.full().getConfig(ADMIN));
    }

    private Assembly.BuiltOutbound buildOutbound(BlockSpec spec, ValidatedConfig config,
                                                 Map<String, PluginContext> contexts, PoolEnvironment environment) {
        if (ConfigValidator.DIRECT.equals(spec.type())) {
            return new Assembly.BuiltOutbound(spec, new DirectOutbound(spec.tag(), spec.settings(), netty), List.of());
        }
        TransportFactory transport = transports.get(spec.type());
        SessionConnector connector = transport.create(spec.settings(),
                new DefaultTransportContext(contextOf(transport, config, contexts), spec.tag(), netty));
        SessionPool pool;
        try {
            pool = SessionPool.create(spec.tag(), spec.settings(), connector, policies.values(), monitors.values(),
                    environment);
        } catch (RuntimeException e) {
            connector.close();
            throw e;
        }
        List<String> running = new ArrayList<>(pool.policyNames());
        running.addAll(pool.monitorNames());
        return new Assembly.BuiltOutbound(spec, pool, running);
    }

    private PluginContext contextOf(Object factory, ValidatedConfig config, Map<String, PluginContext> contexts) {
        String pluginId = contributions.pluginIdOf(factory).orElseThrow(() -> new IllegalArgumentException(
                "not an installed contribution: " + factory));
        synchronized (contexts) {
            return contexts.computeIfAbsent(pluginId, id -> new DefaultPluginContext(id, config.pluginConfig(id),
                    ticker, new PluginScheduler("plugin=" + id, scheduler), meterRegistry));
        }
    }

    private static ConfigProblem problemOf(BlockSpec spec, RuntimeException e) {
        if (e instanceof InvalidSettingException invalid) {
            return ConfigProblem.of(spec, invalid);
        }
        if (e instanceof ConfigException config) {
            return ConfigProblem.of(spec, config);
        }
        if (e instanceof InvalidConfigException nested) {
            return nested.problems().get(0);
        }
        ConfigValue type = spec.settings().getValue("type");
        log.debug("{} ({}) cannot be created", spec.path(), spec.type(), e);
        return ConfigProblem.at(type.origin(), spec.path(), "cannot create " + spec.type() + " '" + spec.tag() + "': "
                + ConfigProblem.reason(e));
    }

    /**
     * Builds and starts a validated configuration: pools first, then every inbound binds.
     *
     * @return each inbound's tag and the address it is bound to (the admin listener's: {@link #adminAddress()})
     * @throws InvalidConfigException when a factory rejects its settings
     * @throws IllegalStateException  when already running, or an inbound or the admin listener cannot bind
     *                                (nothing is left running)
     */
    public synchronized Map<String, InetSocketAddress> start(ValidatedConfig config) {
        if (running != null) {
            throw new IllegalStateException("already running; stop() first");
        }
        Assembly assembly = assemble(config);
        Map<String, InetSocketAddress> bound = assembly.start(BIND_TIMEOUT);
        List<PoolView> pools = assembly.outbounds().stream().filter(o -> o.outbound() instanceof PoolView)
                .map(o -> PoolView.configuredBy((PoolView) o.outbound(), o.spec().settings())).toList();
        AdminServer server = AdminServer.create(adminSettings(config), meterRegistry, netty, pools).orElse(null);
        if (server != null) {
            try {
                adminAddress = server.start().toCompletableFuture()
                        .get(BIND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                server.stop().toCompletableFuture().join();
                assembly.close();
                throw new IllegalStateException("the admin listener cannot start: " + cause.getMessage(), cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                server.stop().toCompletableFuture().join();
                assembly.close();
                throw new IllegalStateException("interrupted while the admin listener was starting", e);
            }
        }
        admin = server;
        running = assembly;
        log.info("started from {}: {} outbound(s), {} inbound(s), netty={}", config.source(),
                assembly.outbounds().size(), assembly.inbounds().size(), netty.transportName());
        return bound;
    }

    /** Where the running configuration's admin listener is bound; empty when it is off or nothing runs. */
    public synchronized Optional<InetSocketAddress> adminAddress() {
        return Optional.ofNullable(adminAddress);
    }

    /** {@link #validate} then {@link #start(ValidatedConfig)}. */
    public Map<String, InetSocketAddress> start(Config user, String source) {
        return start(validate(user, source));
    }

    /** Stops the running configuration, if any: the admin listener, inbounds, then outbounds. Idempotent. */
    public synchronized void stop() {
        if (admin != null) {
            admin.stop().toCompletableFuture().join();
            admin = null;
            adminAddress = null;
        }
        if (running != null) {
            running.close();
            running = null;
            log.info("stopped");
        }
    }

    /** Stops, then shuts the scheduler, the policies' executor and the event loops down. */
    @Override
    public void close() {
        stop();
        scheduler.shutdownNow();
        policyExecutor.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        netty.close();
    }
}
