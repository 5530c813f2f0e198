package org.anytls4j.transport.anytls.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.ConfigFactory;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A refused server certificate reads the same in one line on both client engines, and the server names what the
 * client's alert says; OpenSSL's own words ({@code General OpenSslEngine problem}) never reach the user.
 */
class TlsFailuresTest {
    private static final SelfSignedCertificate SELF = SelfSignedCertificate.generate("localhost");
    private static MultiThreadIoEventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    enum Engine {
        OPENSSL(SslProvider.OPENSSL), JDK(SslProvider.JDK);

        final SslProvider provider;

        Engine(SslProvider provider) {
            this.provider = provider;
        }

        void assumeAvailable() {
            assumeTrue(this == JDK || OpenSsl.isAvailable(), "netty-tcnative is not available here");
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aWrongPinSaysWhichKeyTheServerHas(Engine engine) throws Exception {
        Failure failure = handshake(engine, "certificate_public_key_sha256 = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"");

        assertThat(TlsFailures.clientReason(failure.client, "127.0.0.1")).isEqualTo("server public key sha256 "
                + SELF.publicKeyPin() + " matches none of tls.certificate_public_key_sha256");
        assertThat(TlsFailures.serverReason(failure.server)).startsWith("the client ended the handshake (alert ")
                .contains("check its pin or CA");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void anUntrustedCertificateSaysPkix(Engine engine) throws Exception {
        Failure failure = handshake(engine, "server_name = localhost");

        assertThat(TlsFailures.clientReason(failure.client, "localhost")).startsWith("certificate for localhost not"
                + " trusted: PKIX path building failed: unable to find valid certification path to requested target");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aCertificateForAnotherNameSaysSo(Engine engine) throws Exception {
        Failure failure = handshake(engine, "server_name = other.example, certificate = \"\"\""
                + SELF.certificatePem() + "\"\"\"");

        assertThat(TlsFailures.clientReason(failure.client, "other.example")).isEqualTo(
                "server certificate does not match tls.server_name other.example (No subject alternative DNS name"
                        + " matching other.example found.)");
    }

    @org.junit.jupiter.api.Test
    void aTimeoutAndAPlaintextPeerAreNamed() {
        assertThat(TlsFailures.clientReason(new io.netty.handler.ssl.SslHandshakeTimeoutException(
                "handshake timed out after 5000ms"), "x")).isEqualTo("handshake timed out after 5000ms (connect_timeout)");
        assertThat(TlsFailures.serverReason(new io.netty.handler.codec.DecoderException(
                new io.netty.handler.ssl.NotSslRecordException("not an SSL/TLS record: 474554"))))
                .isEqualTo("not TLS (a plaintext client or a scanner)");
        assertThat(TlsFailures.clientReason(new javax.net.ssl.SSLHandshakeException(
                "Received fatal alert: protocol_version"), "x"))
                .isEqualTo("the server refused the TLS handshake (alert protocol_version)");
    }

    private record Failure(Throwable client, Throwable server) {
    }

    /** A handshake of a client on {@code engine} with {@code tls} against a server with {@link #SELF}. */
    private static Failure handshake(Engine engine, String tls) throws Exception {
        engine.assumeAvailable();
        SslContext server = SslContextBuilder.forServer(SELF.keyPair().getPrivate(), SELF.certificate())
                .sslProvider(engine.provider).build();
        CompletableFuture<Throwable> serverFailure = new CompletableFuture<>();
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler handler = server.newHandler(ch.alloc());
                        handler.handshakeFuture().addListener(f -> serverFailure.complete(f.cause()));
                        ch.pipeline().addLast(handler, new Sink());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        try {
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            ClientTlsSettings settings = ClientTlsSettings.parse(ConfigFactory.parseString(tls).withFallback(
                    ConfigFactory.parseString("enabled = true, server_name = null, insecure = false,"
                            + " certificate = null, certificate_path = null, certificate_public_key_sha256 = [],"
                            + " alpn = [], min_version = null, max_version = null")), "127.0.0.1", "tls.");
            ClientTlsContext context = ClientTlsContext.create(settings, "out", engine.provider);
            // Kept here: a handshake that fails at once closes the channel, which empties its pipeline.
            CompletableFuture<SslHandler> clientTls = new CompletableFuture<>();
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            SslHandler handler = context.newHandler(ch.alloc(), port);
                            clientTls.complete(handler);
                            ch.pipeline().addLast(handler, new Sink());
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            Throwable client = clientTls.get(10, TimeUnit.SECONDS).handshakeFuture().await().cause();
            ch.close().sync();
            assertThat(client).isNotNull();
            return new Failure(client, serverFailure.get(10, TimeUnit.SECONDS));
        } finally {
            listener.close().sync();
            ReferenceCountUtil.release(server);
        }
    }

    /** Ends the pipelines: the failures are read from the handshake futures. */
    private static final class Sink extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
