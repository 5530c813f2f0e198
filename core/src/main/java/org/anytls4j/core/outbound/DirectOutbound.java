package org.anytls4j.core.outbound;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverChannelStrategy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Destination;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.NettyResources;
import org.anytls4j.api.outbound.PacketOutbound;

/**
 * The built-in {@code direct} outbound: every stream is a plain TCP connection from this host to the destination,
 * every packet channel ({@link #openPackets}) a plain UDP socket.
 * Keys: {@code anytls4j.outbound.direct} in {@code anytls4j-inbounds.conf} ({@code connect_timeout}).
 *
 * <h2>Threading</h2>
 * Thread-safe. Each connection is registered on the event loop passed to {@link #open}, so a relay between the
 * caller's channel and the stream needs no thread hop. Domain names are resolved by Netty's asynchronous DNS
 * resolver (hosts file first, then the system's name servers), never on an event loop by a blocking call.
 *
 * <h2>Ownership</h2>
 * The returned channel belongs to the caller, who must close it. It is handed out with {@code autoRead} off, so
 * no byte can arrive before the caller has installed its handlers; the caller turns {@code autoRead} on.
 *
 * <h2>Lifecycle</h2>
 * Built once at start-up by the host; {@link #close()} at shutdown releases the resolvers. Streams opened before
 * {@code close()} are unaffected.
 */
public final class DirectOutbound implements PacketOutbound, AutoCloseable {
    /** The value of {@code type} for this outbound. */
    public static final String TYPE = "direct";

    /** Large enough for any UDP datagram, so none is truncated on receipt. */
    private static final int MAX_DATAGRAM = 65536;

    private final String tag;
    private final NettyResources netty;
    private final int connectTimeoutMillis;
    private final DnsAddressResolverGroup resolvers;

    /**
     * @param tag      the configured tag
     * @param settings the outbound block with {@code anytls4j.outbound.direct} defaults applied
     * @param netty    the host's event loops and channel classes
     * @throws InvalidSettingException when {@code connect_timeout} is not in 1ms..10m
     */
    public DirectOutbound(String tag, Config settings, NettyResources netty) {
        this.tag = requireNonNull(tag, "tag");
        this.netty = requireNonNull(netty, "netty");
        Duration timeout = settings.getDuration("connect_timeout");
        if (timeout.toMillis() < 1 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new InvalidSettingException(settings.getValue("connect_timeout").origin(), "connect_timeout",
                    "must be between 1ms and 10m, was " + timeout);
        }
        this.connectTimeoutMillis = (int) timeout.toMillis();
        // one UDP socket per lookup: one that cannot be opened (EMFILE) fails that lookup, instead of leaving a
        // per-loop resolver that fails every later lookup and whose close logs "Failed to close a resolver"
        this.resolvers = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelStrategy(DnsNameResolverChannelStrategy.ChannelPerResolution)
                .datagramChannelType(netty.datagramChannelClass())
                .socketChannelType(netty.socketChannelClass()));
    }

    @Override
    public String tag() {
        return tag;
    }

    /** The connect timeout in milliseconds ({@code connect_timeout}). */
    public int connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    @Override
    public CompletionStage<Channel> open(Destination destination, EventLoop eventLoop) {
        requireNonNull(destination, "destination");
        requireNonNull(eventLoop, "eventLoop");
        CompletableFuture<Channel> result = new CompletableFuture<>();
        ChannelFuture connect = new Bootstrap()
                .group(eventLoop)
                .channel(netty.socketChannelClass())
                .resolver(resolvers)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.RECVBUF_ALLOCATOR, netty.streamReadAllocator())
                .handler(new ChannelInboundHandlerAdapter())
                .connect(InetSocketAddress.createUnresolved(destination.host(), destination.port()));
        connect.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                result.complete(f.channel());
            } else {
                result.completeExceptionally(f.cause());
            }
        });
        return result;
    }

    /**
     * A plain UDP socket on {@code eventLoop}, bound to the wildcard address and a free port, that sends each
     * {@link org.anytls4j.api.outbound.Packet} to its peer and delivers each datagram received as a packet naming
     * its source; handed out with {@code autoRead} off.
     */
    @Override
    public CompletionStage<Channel> openPackets(EventLoop eventLoop) {
        requireNonNull(eventLoop, "eventLoop");
        CompletableFuture<Channel> result = new CompletableFuture<>();
        new Bootstrap()
                .group(eventLoop)
                .channel(netty.datagramChannelClass())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
                .handler(new DirectPackets(resolvers))
                .bind(new InetSocketAddress(0))
                .addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        result.complete(f.channel());
                    } else {
                        result.completeExceptionally(f.cause());
                    }
                });
        return result;
    }

    @Override
    public void close() {
        resolvers.close();
    }

    @Override
    public String toString() {
        return "DirectOutbound[" + tag + "]";
    }
}
