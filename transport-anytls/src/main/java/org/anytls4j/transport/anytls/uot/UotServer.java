package org.anytls4j.transport.anytls.uot;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Destination;
import org.anytls4j.api.NettyResources;
import org.anytls4j.transport.anytls.server.HostResolver;

/**
 * Recognises UDP-over-TCP streams (PROTOCOL.md section 15) and opens the server's UDP socket for one.
 *
 * <p>A stream whose destination host is exactly {@value #V2_MAGIC} is UoT version 2; exactly {@value #V1_MAGIC}
 * is the legacy version 1 (no request header, every packet addressed). Nothing else matches (the reference's
 * substring match mishandles v1).
 *
 * <p>The socket is a {@link NettyResources#datagramChannelClass()} channel on the session's event loop, bound to
 * the wildcard address and a free port, with a {@link UotServerCodec} that turns the stream's bytes into
 * datagrams and back; it starts with {@code autoRead} off. Stateless.
 */
public final class UotServer {
    /** Destination host of a UoT v2 stream (23 bytes). */
    public static final String V2_MAGIC = "sp.v2.udp-over-tcp.arpa";
    /** Destination host of a legacy UoT v1 stream (20 bytes). */
    public static final String V1_MAGIC = "sp.udp-over-tcp.arpa";

    /** Largest datagram read: the UoT length field is 16 bits. */
    static final int MAX_DATAGRAM = 0xFFFF;

    /** Which UoT format a stream uses. */
    public enum Version {
        /** Legacy: no request header; every packet is {@code address | port | length | payload}. */
        V1,
        /** Request header ({@code isConnect | SOCKS address}), then connected or non-connected packets. */
        V2
    }

    private UotServer() {
    }

    /** The UoT version {@code destination} asks for, or null for an ordinary TCP destination. */
    public static Version versionOf(Destination destination) {
        return switch (destination.host()) {
            case V2_MAGIC -> Version.V2;
            case V1_MAGIC -> Version.V1;
            default -> null;
        };
    }

    /** Binds the stream's UDP socket on {@code loop}; completes with it once bound. */
    public static CompletionStage<Channel> open(Version version, EventLoop loop, NettyResources netty,
            HostResolver resolver, String logPrefix) {
        CompletableFuture<Channel> result = new CompletableFuture<>();
        new Bootstrap()
                .group(loop)
                .channel(netty.datagramChannelClass())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
                .handler(new UotServerCodec(version, resolver, logPrefix))
                .bind(new InetSocketAddress(0))
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
