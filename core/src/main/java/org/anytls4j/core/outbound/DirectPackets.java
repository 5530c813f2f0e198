package org.anytls4j.core.outbound;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Packet;

/**
 * Sits on a {@code direct} outbound's UDP socket and turns {@link Packet}s into datagrams and back: a packet
 * written is sent to its peer (a name resolved as the outbound resolves TCP destinations, never blocking); a
 * datagram received becomes a packet naming its source. A packet whose name does not resolve fails its promise
 * and is dropped, as UDP may.
 *
 * <h2>Threading and ownership</h2>
 * One instance per socket, on its event loop. A packet written passes its payload to the datagram (or releases
 * it when the name does not resolve); a datagram received passes its payload to the packet fired on.
 */
final class DirectPackets extends ChannelDuplexHandler {
    private final AddressResolverGroup<InetSocketAddress> resolvers;

    DirectPackets(AddressResolverGroup<InetSocketAddress> resolvers) {
        this.resolvers = resolvers;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof Packet packet)) {
            ctx.write(msg, promise);
            return;
        }
        Destination peer = packet.peer();
        resolvers.getResolver(ctx.executor())
                .resolve(InetSocketAddress.createUnresolved(peer.host(), peer.port()))
                .addListener(resolved -> {
                    if (resolved.isSuccess()) {
                        ctx.writeAndFlush(new DatagramPacket(packet.content(), (InetSocketAddress) resolved.getNow()),
                                promise);
                    } else {
                        packet.release();
                        promise.tryFailure(resolved.cause());
                    }
                });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket datagram)) {
            ctx.fireChannelRead(msg);
            return;
        }
        InetSocketAddress sender = datagram.sender();
        InetAddress ip = sender.getAddress();
        String host = ip.getAddress().length == 4 ? ip.getHostAddress() : NetUtil.toAddressString(ip);
        ctx.fireChannelRead(new Packet(new Destination(host, sender.getPort()), datagram.content()));
    }
}
