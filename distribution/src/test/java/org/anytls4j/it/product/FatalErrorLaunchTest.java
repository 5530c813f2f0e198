package org.anytls4j.it.product;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.anytls4j.core.plugin.TestPluginJars;
import org.anytls4j.distribution.Distribution;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real OutOfMemoryError on an event loop of the launched process ({@code bin/anytls4j run} with a small heap)
 * ends the process with exit status 3 within a bound, instead of leaving a zombie that holds the port: both through
 * the launcher's {@code -XX:+ExitOnOutOfMemoryError} and, with that switched off in {@code JAVA_OPTS}, through the
 * host's own handling (Netty catches the error; the host halts).
 *
 * <p>The memory is eaten honestly: a plugin dropped into the plugins directory contributes an inbound ({@code hog})
 * whose connections keep every byte they receive on the heap, and the test sends it more than the heap holds.
 */
@Timeout(180)
class FatalErrorLaunchTest {
    private static final String HEAP = "-Xmx48m";

    @TempDir
    Path dir;

    private Path config;

    @BeforeEach
    void installHogPlugin() throws IOException {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        try (Stream<Path> jars = Files.list(Distribution.plugins())) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, plugins.resolve(jar.getFileName()));
            }
        }
        TestPluginJars.plugin("hog").source("test.hog.HogPlugin", HOG_SOURCE)
                .resource("reference.conf", """
                        anytls4j.inbound.hog {
                          # IP literal to listen on
                          listen = "127.0.0.1"
                          # TCP port; 0 picks a free one
                          listen_port = 0
                        }
                        """)
                .writeTo(plugins);
        config = Files.writeString(dir.resolve("hog.conf"), """
                inbounds = [ { type = hog, tag = hog } ]
                """);
    }

    private Launched launch(String javaOpts) throws IOException {
        return Launched.start(javaOpts, List.of(), "--plugins-dir", dir.resolve("plugins").toString(), "run", "-c",
                config.toString());
    }

    /**
     * Sends zeros to the hog from a daemon thread until the connection breaks (the process ended); closing the
     * returned socket stops it, so a process that does not die cannot hang the test in a blocked write.
     */
    private static Socket feed(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        Thread feeder = new Thread(() -> {
            byte[] chunk = new byte[64 << 10];
            try {
                OutputStream out = socket.getOutputStream();
                for (long sent = 0; sent < (4L << 30); sent += chunk.length) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                // expected: the process ended under us, or the test closed the socket
            }
        }, "hog-feeder");
        feeder.setDaemon(true);
        feeder.start();
        return socket;
    }

    @Test
    void theLauncherExitsOnOutOfMemoryWithStatus3() throws Exception {
        try (Launched server = launch(HEAP)) {
            int port = server.port("hog listening on 127\\.0\\.0\\.1:(\\d+)");

            try (Socket feeding = feed(port)) {
                assertThat(server.awaitExit(60)).as(server.log()).isEqualTo(3);
            }
        }
    }

    @Test
    void withoutTheJvmSwitchTheHostHaltsWithStatus3AndSaysWhy() throws Exception {
        try (Launched server = launch(HEAP + " -XX:-ExitOnOutOfMemoryError")) {
            int port = server.port("hog listening on 127\\.0\\.0\\.1:(\\d+)");

            try (Socket feeding = feed(port)) {
                assertThat(server.awaitExit(60)).as(server.log()).isEqualTo(3);
            }
            assertThat(server.log()).containsPattern("fatal: OutOfMemoryError|anytls4j fatal error; halting");
        }
    }

    private static final String HOG_SOURCE = """
            package test.hog;

            import com.typesafe.config.Config;
            import io.netty.bootstrap.ServerBootstrap;
            import io.netty.buffer.ByteBuf;
            import io.netty.channel.Channel;
            import io.netty.channel.ChannelFuture;
            import io.netty.channel.ChannelHandlerContext;
            import io.netty.channel.ChannelInboundHandlerAdapter;
            import io.netty.channel.ChannelInitializer;
            import java.net.InetSocketAddress;
            import java.util.ArrayList;
            import java.util.List;
            import java.util.concurrent.CompletableFuture;
            import java.util.concurrent.CompletionStage;
            import org.anytls4j.api.AnytlsPlugin;
            import org.anytls4j.api.inbound.Inbound;
            import org.anytls4j.api.inbound.InboundContext;
            import org.anytls4j.api.inbound.InboundFactory;
            import org.slf4j.LoggerFactory;

            /** An inbound whose connections keep on the heap every byte they receive, to run the host out of it. */
            @org.pf4j.Extension
            public class HogPlugin implements AnytlsPlugin {
                static final List<byte[]> HOARD = new ArrayList<>();

                @Override
                public List<InboundFactory> inbounds() {
                    return List.of(new InboundFactory() {
                        @Override
                        public String type() {
                            return "hog";
                        }

                        @Override
                        public Inbound create(Config settings, InboundContext context) {
                            return new Hog(settings, context);
                        }
                    });
                }

                static final class Hog implements Inbound {
                    private final Config settings;
                    private final InboundContext context;
                    private volatile Channel listener;

                    Hog(Config settings, InboundContext context) {
                        this.settings = settings;
                        this.context = context;
                    }

                    @Override
                    public String tag() {
                        return context.inboundTag();
                    }

                    @Override
                    public CompletionStage<InetSocketAddress> start() {
                        CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
                        new ServerBootstrap().group(context.netty().bossGroup(), context.netty().workerGroup())
                                .channel(context.netty().serverSocketChannelClass())
                                .childHandler(new ChannelInitializer<Channel>() {
                                    @Override
                                    protected void initChannel(Channel ch) {
                                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                            @Override
                                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                                ByteBuf buf = (ByteBuf) msg;
                                                byte[] copy = new byte[buf.readableBytes()];
                                                buf.readBytes(copy);
                                                buf.release();
                                                synchronized (HOARD) {
                                                    HOARD.add(copy);
                                                }
                                            }
                                        });
                                    }
                                })
                                .bind(settings.getString("listen"), settings.getInt("listen_port"))
                                .addListener((ChannelFuture f) -> {
                                    if (!f.isSuccess()) {
                                        bound.completeExceptionally(f.cause());
                                        return;
                                    }
                                    listener = f.channel();
                                    InetSocketAddress address = (InetSocketAddress) f.channel().localAddress();
                                    LoggerFactory.getLogger(HogPlugin.class).info("hog listening on {}:{}",
                                            address.getHostString(), address.getPort());
                                    bound.complete(address);
                                });
                        return bound;
                    }

                    @Override
                    public CompletionStage<Void> stop() {
                        Channel l = listener;
                        if (l != null) {
                            l.close();
                        }
                        return CompletableFuture.completedFuture(null);
                    }
                }
            }
            """;
}
