package org.anytls4j.transport.anytls.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.Outbound;

/**
 * The smallest direct outbound: a TCP connection on the caller's event loop to an IP-literal destination (tests
 * use 127.0.0.1 only, so no DNS). Records every destination it was asked for.
 */
public final class TestDirectOutbound implements Outbound {
    public final List<Destination> opened = new CopyOnWriteArrayList<>();

    @Override
    public String tag() {
        return "direct";
    }

    @Override
    public CompletionStage<Channel> open(Destination destination, EventLoop eventLoop) {
        opened.add(destination);
        CompletableFuture<Channel> result = new CompletableFuture<>();
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(destination.host());
        if (ip == null) {
            result.completeExceptionally(new UnknownHostException(destination.host()));
            return result;
        }
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(InetAddress.getByAddress(ip), destination.port());
        } catch (UnknownHostException e) {
            result.completeExceptionally(e);
            return result;
        }
        new Bootstrap().group(eventLoop).channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(address)
                .addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        result.complete(f.channel());
                    } else {
                        result.completeExceptionally(f.cause());
                    }
                });
        return result;
    }
}
