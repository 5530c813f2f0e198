package org.anytls4j.transport.anytls.server;

import io.netty.channel.EventLoop;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverChannelStrategy;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.anytls4j.api.Destination;
import org.anytls4j.api.NettyResources;

/**
 * Turns a {@link Destination} into a socket address without blocking an event loop: IP literals directly,
 * names through Netty's asynchronous {@link io.netty.resolver.dns.DnsNameResolver} (servers from
 * {@code /etc/resolv.conf}, with its cache). Used for the fallback service and for UDP-over-TCP datagram
 * destinations; TCP stream targets are resolved by the route's outbound.
 *
 * <p>One UDP socket per lookup ({@link DnsNameResolverChannelStrategy#ChannelPerResolution}), not one per event
 * loop for the resolver's life: a socket that cannot be opened (the process out of descriptors) fails that lookup
 * only, where a per-resolver socket would leave a resolver that fails every later lookup on its loop and, closed at
 * shutdown, makes Netty log "Failed to close a resolver" with an IllegalStateException (its channel never got an
 * event loop). A fresh source port per query is also what DNS spoofing defences ask for. Answers are cached as
 * before.
 *
 * <h2>Threading and lifecycle</h2>
 * Thread-safe. The DNS resolver is created on first use of a name and closed by {@link #close()}, which the
 * inbound calls when it stops.
 */
public final class HostResolver implements AutoCloseable {
    private final NettyResources netty;
    private DnsAddressResolverGroup group;
    private boolean closed;

    public HostResolver(NettyResources netty) {
        this.netty = netty;
    }

    /** Resolves {@code destination}; the future completes on {@code loop}. */
    public Future<InetSocketAddress> resolve(Destination destination, EventLoop loop) {
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(destination.host());
        if (literal != null) {
            try {
                return loop.newSucceededFuture(
                        new InetSocketAddress(InetAddress.getByAddress(literal), destination.port()));
            } catch (UnknownHostException e) {
                return loop.newFailedFuture(e);
            }
        }
        DnsAddressResolverGroup resolvers = group();
        if (resolvers == null) {
            return loop.newFailedFuture(new IllegalStateException("the inbound is stopped"));
        }
        return resolvers.getResolver(loop)
                .resolve(InetSocketAddress.createUnresolved(destination.host(), destination.port()));
    }

    private synchronized DnsAddressResolverGroup group() {
        if (group == null && !closed) {
            group = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                    .datagramChannelStrategy(DnsNameResolverChannelStrategy.ChannelPerResolution)
                    .datagramChannelType(netty.datagramChannelClass())
                    .socketChannelType(netty.socketChannelClass()));
        }
        return group;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (group != null) {
            group.close();
            group = null;
        }
    }
}
