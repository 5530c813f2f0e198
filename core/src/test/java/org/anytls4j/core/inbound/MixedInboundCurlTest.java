package org.anytls4j.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.inbound.Inbound;
import org.anytls4j.core.outbound.DirectOutbound;
import org.anytls4j.core.relay.LeakCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real curl through a {@code mixed} inbound over the {@code direct} outbound to a local HTTP server. */
@ExtendWith(LeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MixedInboundCurlTest {
    private static final String BODY = "hello through anytls4j";
    private static final int LARGE_BYTES = 16 * 1024 * 1024;

    private static TestNetty netty;
    private static DirectOutbound direct;
    private static HttpServer origin;
    private static MeterRegistry registry;
    private static Inbound open;
    private static Inbound authenticated;
    private static int openPort;
    private static int authPort;
    private static int originPort;
    private static int closedPort;

    @BeforeAll
    static void start() throws Exception {
        netty = new TestNetty();
        registry = new SimpleMeterRegistry();
        origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        origin.createContext("/hello", exchange -> {
            byte[] body = (BODY + " " + exchange.getRequestURI() + " host=" + exchange.getRequestHeaders()
                    .getFirst("Host") + " proxy-connection=" + exchange.getRequestHeaders()
                    .getFirst("Proxy-Connection")).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        origin.createContext("/large", exchange -> {
            exchange.sendResponseHeaders(200, LARGE_BYTES);
            byte[] chunk = new byte[64 * 1024];
            for (int sent = 0; sent < LARGE_BYTES; sent += chunk.length) {
                exchange.getResponseBody().write(chunk);
            }
            exchange.close();
        });
        origin.start();
        originPort = origin.getAddress().getPort();
        direct = new DirectOutbound("direct", ConfigFactory.parseString("connect_timeout = 5s"), netty);
        open = ProxyInboundFactory.mixed().create(TestInboundContext.settings("mixed", "listen_port = 0"),
                new TestInboundContext("mixed-in", netty, direct, registry));
        openPort = open.start().toCompletableFuture().get(10, TimeUnit.SECONDS).getPort();
        authenticated = ProxyInboundFactory.mixed().create(TestInboundContext.settings("mixed",
                        "listen_port = 0, users = [ { username = alice, password = \"s3cret\" } ]"),
                new TestInboundContext("mixed-auth", netty, direct, registry));
        authPort = authenticated.start().toCompletableFuture().get(10, TimeUnit.SECONDS).getPort();
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        open.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
        authenticated.stop().toCompletableFuture().get(10, TimeUnit.SECONDS);
        origin.stop(0);
        direct.close();
        netty.close();
    }

    private static String url(String host) {
        return "http://" + host + ":" + originPort + "/hello";
    }

    @Test
    void socks5CarriesARequestToAnIpAddress() throws Exception {
        Curl.Result r = Curl.run("--socks5", "127.0.0.1:" + openPort, url("127.0.0.1"));
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith(BODY + " /hello");
    }

    @Test
    void socks5hLetsTheProxyResolveTheHostName() throws Exception {
        Curl.Result r = Curl.run("--socks5-hostname", "127.0.0.1:" + openPort, url("localhost"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith(BODY + " /hello host=localhost:" + originPort);
    }

    @Test
    void socks5WithTheRightPasswordIsServed() throws Exception {
        Curl.Result r = Curl.run("--socks5-hostname", "127.0.0.1:" + authPort, "--proxy-user", "alice:s3cret",
                url("localhost"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith(BODY);
    }

    @Test
    void socks5WithAWrongPasswordIsRefused() throws Exception {
        Curl.Result r = Curl.run("--socks5-hostname", "127.0.0.1:" + authPort, "--proxy-user", "alice:wrong",
                url("localhost"));
        assertThat(r.exit()).isEqualTo(97); // CURLE_PROXY: the handshake failed
        assertThat(r.err()).contains("User was rejected by the SOCKS5 server");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void socks5WithoutPasswordOnAnInboundWithUsersIsRefused() throws Exception {
        Curl.Result r = Curl.run("--socks5-hostname", "127.0.0.1:" + authPort, url("localhost"));
        assertThat(r.exit()).isEqualTo(97);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void httpConnectTunnelsTheRequest() throws Exception {
        Curl.Result r = Curl.run("-p", "-x", "http://127.0.0.1:" + openPort, url("127.0.0.1"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith(BODY + " /hello");
    }

    @Test
    void plainHttpProxyForwardsInOriginFormWithoutHopByHopHeaders() throws Exception {
        Curl.Result r = Curl.run("-x", "http://127.0.0.1:" + openPort, "-H", "Proxy-Connection: keep-alive",
                url("localhost") + "?q=1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(BODY + " /hello?q=1 host=localhost:" + originPort + " proxy-connection=null");
    }

    @Test
    void plainHttpProxyServesConsecutiveRequestsToDifferentHosts() throws Exception {
        Curl.Result r = Curl.run("-x", "http://127.0.0.1:" + openPort, url("127.0.0.1"), url("localhost"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(BODY + " /hello host=127.0.0.1:" + originPort + " proxy-connection=null"
                + BODY + " /hello host=localhost:" + originPort + " proxy-connection=null");
    }

    /**
     * An origin that keeps its connections open and says so: the proxy closes the client's connection after the
     * response all the same, and says that instead, so curl opens a new connection for its next request rather
     * than sending it on the closing one and retrying.
     */
    @Test
    void plainHttpResponsesTellAKeepAliveClientThatTheConnectionCloses() throws Exception {
        try (ServerSocket keepAlive = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Thread server = new Thread(() -> serveKeptAlive(keepAlive), "keep-alive-origin");
            server.setDaemon(true);
            server.start();
            String url = "http://127.0.0.1:" + keepAlive.getLocalPort() + "/";

            Curl.Result r = Curl.run("-v", "-x", "http://127.0.0.1:" + openPort, url + "one", url + "two");

            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).isEqualTo("okok");
            assertThat(r.err()).contains("< Connection: close").doesNotContain("< Connection: keep-alive")
                    .doesNotContain("Keep-Alive: timeout").doesNotContain("Connection died");
        }
    }

    /** Answers every request on every connection with a two-byte body and {@code Connection: keep-alive}. */
    private static void serveKeptAlive(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                java.net.Socket socket = server.accept();
                Thread connection = new Thread(() -> {
                    try (socket) {
                        java.io.InputStream in = socket.getInputStream();
                        int matched = 0;
                        int b;
                        while ((b = in.read()) >= 0) {
                            matched = b == '\n' ? (matched == 1 ? 2 : 1) : (b == '\r' ? matched : 0);
                            if (matched == 2) {
                                socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                        + "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nok")
                                        .getBytes(StandardCharsets.US_ASCII));
                                matched = 0;
                            }
                        }
                    } catch (java.io.IOException e) {
                        // the proxy closed the connection
                    }
                });
                connection.setDaemon(true);
                connection.start();
            } catch (java.io.IOException e) {
                return; // closed by the test
            }
        }
    }

    @Test
    void httpProxyWithBasicCredentialsIsServedAndWithoutIsAnswered407() throws Exception {
        Curl.Result ok = Curl.run("-x", "http://127.0.0.1:" + authPort, "--proxy-user", "alice:s3cret",
                url("127.0.0.1"));
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).startsWith(BODY);
        Curl.Result denied = Curl.run("-x", "http://127.0.0.1:" + authPort, "-w", "%{http_code}",
                url("127.0.0.1"));
        assertThat(denied.out()).endsWith("407");
    }

    @Test
    void socks4AndSocks4aAreServed() throws Exception {
        Curl.Result v4 = Curl.run("--socks4", "127.0.0.1:" + openPort, url("127.0.0.1"));
        assertThat(v4.exit()).as(v4.err()).isZero();
        assertThat(v4.out()).startsWith(BODY);
        Curl.Result v4a = Curl.run("--socks4a", "127.0.0.1:" + openPort, url("localhost"));
        assertThat(v4a.exit()).as(v4a.err()).isZero();
        assertThat(v4a.out()).startsWith(BODY + " /hello host=localhost:");
    }

    @Test
    void socks4IsRefusedWhenUsersAreConfigured() throws Exception {
        Curl.Result r = Curl.run("--socks4", "127.0.0.1:" + authPort, url("127.0.0.1"));
        assertThat(r.exit()).isEqualTo(97);
        assertThat(r.err()).contains("rejected");
    }

    @Test
    void refusedDestinationGivesSocks5ReplyConnectionRefused() throws Exception {
        Curl.Result r = Curl.run("--socks5", "127.0.0.1:" + openPort, url("127.0.0.1").replace(
                ":" + originPort, ":" + closedPort));
        assertThat(r.exit()).isEqualTo(97);
        assertThat(r.err()).contains("(5)"); // curl 7.88: "Can't complete SOCKS5 connection to ... (5)"
        assertThat(registry.find("anytls4j.inbound.streams.failed").tag("reason", "connection-refused")
                .counter()).isNotNull();
    }

    @Test
    void refusedDestinationGivesHttp502WithTheReason() throws Exception {
        String target = "http://127.0.0.1:" + closedPort + "/";
        Curl.Result plain = Curl.run("-x", "http://127.0.0.1:" + openPort, "-w", "%{http_code}", target);
        assertThat(plain.exit()).as(plain.err()).isZero();
        assertThat(plain.out()).contains("connection-refused").endsWith("502");
        Curl.Result tunnel = Curl.run("-p", "-x", "http://127.0.0.1:" + openPort, target);
        assertThat(tunnel.exit()).isEqualTo(56); // CURLE_RECV_ERROR: CONNECT answered 502
        assertThat(tunnel.err()).contains("502");
    }

    /** A reader slower than the origin makes the relay pause and resume reading; no byte may be lost. */
    @Test
    void aSlowReaderGetsALargeBodyWhole() throws Exception {
        String large = "http://127.0.0.1:" + originPort + "/large";
        for (String[] proxy : List.of(new String[] {"--socks5", "127.0.0.1:" + openPort},
                new String[] {"-x", "http://127.0.0.1:" + openPort},
                new String[] {"-p", "-x", "http://127.0.0.1:" + openPort})) {
            List<String> args = new ArrayList<>(List.of(proxy));
            args.addAll(List.of("--limit-rate", "24M", "-o", "/dev/null", "-w", "%{size_download}", large));
            Curl.Result r = Curl.run(args.toArray(String[]::new));
            assertThat(r.exit()).as(String.join(" ", proxy) + ": " + r.err()).isZero();
            assertThat(r.out()).isEqualTo(Integer.toString(LARGE_BYTES));
        }
    }

    @Test
    void bytesAndConnectionsAreCounted() throws Exception {
        Curl.run("--socks5", "127.0.0.1:" + openPort, url("127.0.0.1"));
        assertThat(registry.get("anytls4j.inbound.connections").tag("inbound", "mixed-in").counter().count())
                .isPositive();
        assertThat(registry.get("anytls4j.inbound.bytes").tag("inbound", "mixed-in").tag("direction", "download")
                .counter().count()).isGreaterThan(BODY.length());
    }

}
