package org.anytls4j.core.runtime;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.anytls4j.api.inbound.Inbound;
import org.anytls4j.api.outbound.Outbound;
import org.anytls4j.core.config.BlockSpec;
import org.anytls4j.core.inbound.ProxyInbound;
import org.anytls4j.core.pool.SessionPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbounds and inbounds of one configuration, built by their factories but not yet started: what
 * {@code anytls4j check} prints and what {@link Host#start} starts.
 *
 * <h2>Lifecycle</h2>
 * Built by {@link Host#assemble}; {@link #start} once (pools first, then inbounds bind); {@link #close} once, which
 * drains the pools (open streams may finish for {@code shutdown_grace_period}) and closes them, then stops inbounds
 * and closes direct outbounds. Closing an assembly that never started releases what
 * the factories created.
 *
 * <h2>Threading</h2>
 * Not thread-safe: the host calls it from one thread at a time.
 */
public final class Assembly implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Assembly.class);

    /** A built outbound and the policies and monitors that run for it (empty for {@code direct}). */
    public record BuiltOutbound(BlockSpec spec, Outbound outbound, List<String> policies) {
        public BuiltOutbound {
            requireNonNull(spec, "spec");
            requireNonNull(outbound, "outbound");
            policies = List.copyOf(policies);
        }
    }

    /** A built inbound and the tag of the outbound its streams go to. */
    public record BuiltInbound(BlockSpec spec, Inbound inbound, String routeTag) {
        public BuiltInbound {
            requireNonNull(spec, "spec");
            requireNonNull(inbound, "inbound");
            requireNonNull(routeTag, "routeTag");
        }
    }

    private final List<BuiltOutbound> outbounds;
    private final List<BuiltInbound> inbounds;
    private final List<AutoCloseable> implicit;
    private boolean closed;

    Assembly(List<BuiltOutbound> outbounds, List<BuiltInbound> inbounds, List<AutoCloseable> implicit) {
        this.outbounds = List.copyOf(outbounds);
        this.inbounds = List.copyOf(inbounds);
        this.implicit = List.copyOf(implicit);
    }

    public List<BuiltOutbound> outbounds() {
        return outbounds;
    }

    public List<BuiltInbound> inbounds() {
        return inbounds;
    }

    /** The plan as {@code anytls4j check} prints it, one line per outbound and inbound. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (BuiltOutbound out : outbounds) {
            lines.add("outbound '" + out.spec().tag() + "' type=" + out.spec().type()
                    + (out.outbound() instanceof SessionPool ? " pooled policies=" + out.policies() : ""));
        }
        for (BuiltInbound in : inbounds) {
            lines.add("inbound '" + in.spec().tag() + "' type=" + in.spec().type() + " -> outbound '"
                    + in.routeTag() + "'");
        }
        return lines;
    }

    /**
     * What {@code anytls4j check} warns of, one line each: settings that make two pool policies undo each other, and
     * proxy inbounds that anyone who reaches them can use ({@link ProxyInbound#openProxyWarning}).
     */
    public List<String> warnings() {
        List<String> lines = new ArrayList<>();
        for (BuiltOutbound out : outbounds) {
            if (out.outbound() instanceof SessionPool pool) {
                lines.addAll(pool.settingWarnings());
            }
        }
        for (BuiltInbound in : inbounds) {
            if (in.inbound() instanceof ProxyInbound proxy) {
                proxy.openProxyWarning(in.routeTag()).ifPresent(lines::add);
            }
        }
        return lines;
    }

    /**
     * Starts the pools, then binds every inbound and waits for the binds.
     *
     * @return each inbound's tag and bound address
     * @throws IllegalStateException when an inbound cannot bind within {@code bindTimeout}; what started is stopped
     */
    Map<String, InetSocketAddress> start(Duration bindTimeout) {
        for (BuiltOutbound out : outbounds) {
            if (out.outbound() instanceof SessionPool pool) {
                pool.start();
            }
        }
        Map<String, InetSocketAddress> bound = new LinkedHashMap<>();
        for (BuiltInbound in : inbounds) {
            try {
                InetSocketAddress address = in.inbound().start().toCompletableFuture()
                        .get(bindTimeout.toMillis(), TimeUnit.MILLISECONDS);
                bound.put(in.spec().tag(), address); // the inbound logs its own "listening on" line, once
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                close();
                throw new IllegalStateException("inbound '" + in.spec().tag() + "' (" + in.spec().path()
                        + ") cannot start: " + cause.getMessage(), cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted while inbound '" + in.spec().tag() + "' was starting", e);
            }
        }
        return bound;
    }

    /**
     * Drains the pools first (no creation, no ensure, no replacement; idle sessions close; open streams may finish
     * for each outbound's {@code shutdown_grace_period}), then stops inbounds and closes direct outbounds, waiting for
     * each. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        Duration longestGrace = Duration.ZERO;
        for (BuiltOutbound out : outbounds) {
            if (out.outbound() instanceof SessionPool pool) {
                pool.drain();
            }
        }
        for (BuiltOutbound out : outbounds) {
            if (out.outbound() instanceof SessionPool pool) {
                stops.add(pool.closeGracefully().toCompletableFuture());
                Duration grace = pool.settings().shutdownGrace();
                longestGrace = grace.compareTo(longestGrace) > 0 ? grace : longestGrace;
            }
        }
        await(stops, longestGrace);
        stops.clear();
        for (BuiltInbound in : inbounds) {
            stops.add(in.inbound().stop().toCompletableFuture());
        }
        await(stops, Duration.ZERO);
        for (BuiltOutbound out : outbounds) {
            if (!(out.outbound() instanceof SessionPool) && out.outbound() instanceof AutoCloseable closeable) {
                closeQuietly(out.spec().tag(), closeable);
            }
        }
        implicit.forEach(c -> closeQuietly("direct", c));
    }

    private static void await(List<CompletableFuture<Void>> stops, Duration grace) {
        try {
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                    .get(grace.toMillis() + TimeUnit.SECONDS.toMillis(10), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("shutdown did not finish cleanly: {}", e.toString());
        }
    }

    private static void closeQuietly(String tag, AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("outbound={} close failed: {}", tag, e.toString());
        }
    }
}
