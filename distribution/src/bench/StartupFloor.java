import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The start-up floor of bench.sh's startup section: the least a JVM does before it listens as a TLS proxy built on
 * anytls4j's libraries, with the launcher's JVM options and a class-data sharing archive of its own. It loads
 * Netty's epoll transport and its BoringSSL engine, builds one TLS context per listener (a client's, or a server's
 * from the bench's certificate and EC key, read with the JDK alone) and binds; no configuration, plugins, injector, logging or pool. An exiting command's
 * floor is a JVM that starts with the same class path and returns.
 *
 * <pre>
 *   StartupFloor client PORT | server PORT CERT KEY | run CLIENT_PORT SERVER_PORT CERT KEY | exit | train CERT KEY
 * </pre>
 * {@code train} does what client and server do, on ports the system picks, and exits: the run that writes the
 * archive.
 */
public final class StartupFloor {
    private StartupFloor() {
    }

    public static void main(String[] args) throws Exception {
        List<SslContext> contexts = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        switch (args[0]) {
            case "exit":
                return;
            case "client":
                contexts.add(client());
                ports.add(Integer.parseInt(args[1]));
                break;
            case "server":
                contexts.add(server(args[2], args[3]));
                ports.add(Integer.parseInt(args[1]));
                break;
            case "run":
                contexts.add(client());
                contexts.add(server(args[3], args[4]));
                ports.add(Integer.parseInt(args[1]));
                ports.add(Integer.parseInt(args[2]));
                break;
            case "train":
                contexts.add(client());
                contexts.add(server(args[1], args[2]));
                ports.add(0);
                break;
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        for (int port : ports) {
            new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter()).bind("127.0.0.1", port).sync();
        }
        if (args[0].equals("train")) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
            return;
        }
        System.out.println("listening: " + contexts.size() + " TLS contexts");
        Thread.sleep(Long.MAX_VALUE);
    }

    private static SslContext client() throws Exception {
        return SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    }

    private static SslContext server(String cert, String key) throws Exception {
        X509Certificate certificate;
        try (var in = Files.newInputStream(Path.of(cert))) {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        String pem = Files.readString(Path.of(key));
        // "-----BEGIN PRIVATE KEY-----" (PKCS #8, as openssl writes it for bench.sh), base64, "-----END ..."
        String body = pem.substring(pem.indexOf("-----BEGIN PRIVATE KEY-----") + 27, pem.indexOf("-----END"));
        byte[] pkcs8 = Base64.getMimeDecoder().decode(body);
        PrivateKey privateKey = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        return SslContextBuilder.forServer(privateKey, certificate).sslProvider(SslProvider.OPENSSL).build();
    }
}
