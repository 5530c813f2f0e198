package org.anytls4j.core.admin;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.anytls4j.api.Addresses;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.inbound.ListenerGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener ({@code admin { enabled, listen, listen_port }}): an HTTP/1.1 server on the host's event
 * loops, with Netty's codec-http, serving
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus registry's scrape (text format 0.0.4), including the JVM (memory, GC,
 *       threads, class loading, CPU, uptime) and Netty pooled allocator meters this server binds on start;</li>
 *   <li>{@code GET /pool}: JSON of every {@link PoolView}, see {@link PoolJson}.</li>
 * </ul>
 *
 * <h2>Lifecycle</h2>
 * {@link #create} returns nothing when {@code enabled = false}. {@link #start()} binds once and binds the JVM and
 * allocator meters into the registry; {@link #stop()} closes the listener and its connections and unregisters
 * the GC listener. The host owns the registry and the event loops.
 *
 * <h2>Threading</h2>
 * {@code start}/{@code stop} from any thread; requests are served on worker event loops. A scrape reads meters
 * (CPU only, no I/O); {@code /pool} waits on the views' stages without blocking.
 */
public final class AdminServer {
    /** How long an admin connection may read nothing before it is closed ({@link #initConnection}). */
    static final Duration IDLE = Duration.ofMinutes(2);
    private static final CloseWhenIdle CLOSE_WHEN_IDLE = new CloseWhenIdle();

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final AdminSettings settings;
    private final PrometheusMeterRegistry registry;
    private final NettyResources netty;
    private final List<PoolView> pools;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicBoolean started = new AtomicBoolean();
    private JvmGcMetrics gcMetrics;

    private AdminServer(AdminSettings settings, PrometheusMeterRegistry registry, NettyResources netty,
            List<PoolView> pools) {
        this.settings = settings;
        this.registry = registry;
        this.netty = netty;
        this.pools = List.copyOf(pools);
    }

    /**
     * @param pools one view per pooled outbound, in configuration order
     * @return the server, or empty when {@code admin.enabled = false}
     */
    public static Optional<AdminServer> create(AdminSettings settings, PrometheusMeterRegistry registry,
            NettyResources netty, List<PoolView> pools) {
        requireNonNull(settings, "settings");
        requireNonNull(registry, "registry");
        requireNonNull(netty, "netty");
        requireNonNull(pools, "pools");
        return settings.enabled() ? Optional.of(new AdminServer(settings, registry, netty, pools)) : Optional.empty();
    }

    /** Binds; completes with the bound address or fails. */
    public CompletionStage<InetSocketAddress> start() {
        if (!started.compareAndSet(false, true)) {
            return CompletableFuture.failedFuture(new IllegalStateException("admin listener already started"));
        }
        bindStandardMeters();
        AdminHandler handler = new AdminHandler(registry, pools);
        CompletableFuture<InetSocketAddress> result = new CompletableFuture<>();
        ChannelFuture bind = new ServerBootstrap()
                .group(netty.bossGroup(), netty.workerGroup())
                .channel(netty.serverSocketChannelClass())
                .handler(new ListenerGuard("admin"))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        initConnection(ch, handler);
                    }
                })
                .bind(settings.listen(), settings.listenPort());
        bind.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                channels.add(f.channel());
                InetSocketAddress bound = (InetSocketAddress) f.channel().localAddress();
                log.info("admin listening on http://{}/ (/metrics, /pool)", Addresses.format(bound));
                result.complete(bound);
            } else {
                log.error("admin cannot listen on {}: {}", Addresses.hostPort(settings.listen(),
                        settings.listenPort()), f.cause().toString());
                result.completeExceptionally(f.cause());
            }
        });
        return result;
    }

    /**
     * The pipeline of one admin connection: HTTP with keep-alive, and closed after {@link #IDLE} without a byte read,
     * so that a connection that sends half a request, or nothing, does not stay open for good (a scraper that keeps
     * its connection between scrapes reconnects after a longer pause).
     */
    static void initConnection(Channel ch, AdminHandler handler) {
        ch.pipeline().addLast("idle", new IdleStateHandler(IDLE.toNanos(), 0, 0, TimeUnit.NANOSECONDS));
        ch.pipeline().addLast("close-when-idle", CLOSE_WHEN_IDLE);
        ch.pipeline().addLast("http", new HttpServerCodec());
        ch.pipeline().addLast("aggregator", new HttpObjectAggregator(AdminHandler.MAX_REQUEST_BODY));
        ch.pipeline().addLast("admin", handler);
    }

    /** Closes the connection on {@link IdleStateHandler}'s reader-idle event. Stateless. */
    @ChannelHandler.Sharable
    private static final class CloseWhenIdle extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof IdleStateEvent) {
                ctx.close();
            } else {
                super.userEventTriggered(ctx, event);
            }
        }
    }

    private void bindStandardMeters() {
        gcMetrics = new JvmGcMetrics();
        List<MeterBinder> binders = List.of(new JvmMemoryMetrics(), gcMetrics, new JvmThreadMetrics(),
                new ClassLoaderMetrics(), new ProcessorMetrics(), MeterConventions.processCpuSeconds(), new UptimeMetrics(),
                new NettyAllocatorMetrics(UnpooledByteBufAllocator.DEFAULT));
        binders.forEach(b -> b.bindTo(registry));
        // the allocator Netty's channels use (pooled by default, see Main; another if -Dio.netty.allocator.type says so)
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider inUse) {
            new NettyAllocatorMetrics(inUse).bindTo(registry);
        }
    }

    /** Closes the listener and its connections. Idempotent. */
    public CompletionStage<Void> stop() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (gcMetrics != null) {
            gcMetrics.close();
        }
        channels.close().addListener(f -> result.complete(null));
        return result;
    }
}
