package org.anytls4j.it.product;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.anytls4j.core.inbound.Curl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product as an operator runs it, from the packaged distribution: {@code bin/anytls4j server} with the
 * reference's flags (its own padding scheme included: the server announces that scheme's MD5), and two clients, one from the reference's flags with an {@code anytls://} link and a pin, one
 * from a configuration file whose mixed inbound wants a username and password. Real {@code curl} fetches a local
 * page through each proxy form the mixed inbound speaks, and a SOCKS5 UDP association carries datagrams to a local
 * UDP echo (UDP over TCP v2 inside the anytls session, PROTOCOL.md section 15):
 * <pre>
 *   curl --SOCKS5/socks5h/HTTP--> client (mixed, anytls + pool) --TLS--> server (anytls, UoT) --> origin
 * </pre>
 */
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CurlThroughAnytlsTest {
    private static final String PASSWORD = "curl-e2e-Password_1";
    /** A padding scheme other than the default (PADDING.md), pushed to clients by the server's --padding-scheme. */
    private static final String SCHEME = "stop=4\n0=30-30\n1=200-300\n2=400-500,c,500-1000\n3=9-9,500-1000";
    private static final String LISTENING = "inbound=local type=mixed listening on 127\\.0\\.0\\.1:(\\d+)";

    private Origins origins;
    private Launched server;
    private Launched client;
    private Launched authClient;
    private int proxyPort;
    private int authProxyPort;

    @BeforeAll
    void start(@TempDir Path dir) throws IOException {
        origins = Origins.start();
        Path scheme = Files.writeString(dir.resolve("scheme.txt"), SCHEME + "\n");
        server = Launched.start("server", "-l", "127.0.0.1:0", "-p", PASSWORD, "--padding-scheme", scheme.toString());
        int serverPort = server.port("inbound=anytls-in listening on 127\\.0\\.0\\.1:(\\d+) .*padding-md5="
                + md5Hex(SCHEME));
        String pin = server.await("certificate_public_key_sha256 = (\\S+)").group(1);

        client = Launched.start("client", "-l", "127.0.0.1:0", "-s",
                "anytls://" + PASSWORD + "@127.0.0.1:" + serverPort + "/?sni=localhost", "--pin", pin, "-m", "1");
        Path config = Files.writeString(dir.resolve("client.conf"), """
                inbounds = [ { type = mixed, tag = local, listen = "127.0.0.1", listen_port = 0,
                               users = [ { username = alice, password = "wonder land" } ] } ]
                outbounds = [ { type = anytls, tag = proxy, server = "127.0.0.1", server_port = %d,
                                password = "%s", tls { certificate_public_key_sha256 = [ "%s" ] } } ]
                """.formatted(serverPort, PASSWORD, pin));
        authClient = Launched.start("client", "-c", config.toString());
        proxyPort = client.port(LISTENING);
        authProxyPort = authClient.port(LISTENING);
    }

    @AfterAll
    void stop() throws Exception {
        try (Origins o = origins; Launched s = server; Launched c = client; Launched a = authClient) {
            c.stop();
            s.stop();
            assertThat(c.log()).as("the client stops cleanly on SIGTERM").contains("Host - stopped");
            assertThat(s.log()).as("the server stops cleanly on SIGTERM").contains("Host - stopped");
        }
    }

    private static String md5Hex(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private String page(String path) {
        return "http://127.0.0.1:" + origins.httpPort() + path;
    }

    private static void assertFetched(Curl.Result result, String path) {
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).isEqualTo(Origins.body(path));
    }

    @Test
    void eachListenerIsLoggedOnceWithItsAddressAsOperatorsPasteIt() throws Exception {
        assertFetched(Curl.run("-x", "socks5://127.0.0.1:" + proxyPort, page("/log-lines")), "/log-lines");
        for (Launched process : new Launched[] {server, client}) {
            String log = process.log();
            assertThat(log.lines().filter(l -> l.contains(" listening on "))).as(log).hasSize(1);
            assertThat(log).as(log).doesNotContain("/127.0.0.1").doesNotContain("127.0.0.1/");
        }
        assertThat(client.log()).containsPattern("connected server=127\\.0\\.0\\.1:\\d+ ");
    }

    @Test
    void socks5() throws Exception {
        assertFetched(Curl.run("-x", "socks5://127.0.0.1:" + proxyPort, page("/socks5")), "/socks5");
    }

    @Test
    void socks5hLetsTheServerResolveTheName() throws Exception {
        String url = "http://localhost:" + origins.httpPort() + "/socks5h";

        assertFetched(Curl.run("-x", "socks5h://127.0.0.1:" + proxyPort, url), "/socks5h");
    }

    @Test
    void socks5WithUsernameAndPassword() throws Exception {
        assertFetched(Curl.run("-x", "socks5h://alice:wonder%20land@127.0.0.1:" + authProxyPort, page("/auth")),
                "/auth");

        Curl.Result refused = Curl.run("-x", "socks5h://alice:wrong@127.0.0.1:" + authProxyPort, page("/auth"));
        assertThat(refused.exit()).as("curl must fail with a wrong password").isNotZero();
        Curl.Result anonymous = Curl.run("-x", "socks5h://127.0.0.1:" + authProxyPort, page("/auth"));
        assertThat(anonymous.exit()).as("curl must fail without a password").isNotZero();
    }

    @Test
    void httpConnect() throws Exception {
        assertFetched(Curl.run("--proxytunnel", "-x", "http://127.0.0.1:" + proxyPort, page("/connect")),
                "/connect");
    }

    @Test
    void plainHttpProxy() throws Exception {
        assertFetched(Curl.run("-x", "http://127.0.0.1:" + proxyPort, page("/plain")), "/plain");
    }

    @Test
    void httpProxyWithBasicAuthentication() throws Exception {
        assertFetched(Curl.run("-x", "http://alice:wonder%20land@127.0.0.1:" + authProxyPort, page("/basic")),
                "/basic");

        Curl.Result refused = Curl.run("-o", "/dev/null", "-w", "%{http_code}", "-x",
                "http://127.0.0.1:" + authProxyPort, page("/basic"));
        assertThat(refused.out()).isEqualTo("407");
    }

    @Test
    void udpDatagramsGoThroughASocks5AssociationToTheEchoAndBack() throws Exception {
        try (Socket control = new Socket(InetAddress.getLoopbackAddress(), proxyPort);
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            control.setSoTimeout(10_000);
            udp.setSoTimeout(10_000);
            InetSocketAddress relay = associate(control);
            for (String text : new String[] {"first datagram", "second, a little longer datagram", "x"}) {
                byte[] payload = text.getBytes(StandardCharsets.UTF_8);
                ByteBuffer request = ByteBuffer.allocate(10 + payload.length)
                        .put(new byte[] {0, 0, 0, 1}).put(InetAddress.getLoopbackAddress().getAddress())
                        .putShort((short) origins.udpPort()).put(payload);
                udp.send(new DatagramPacket(request.array(), request.position(), relay));

                DatagramPacket reply = new DatagramPacket(new byte[65535], 65535);
                udp.receive(reply);
                byte[] data = Arrays.copyOf(reply.getData(), reply.getLength());
                assertThat(Arrays.copyOf(data, 4)).containsExactly(0, 0, 0, 1);
                assertThat(ByteBuffer.wrap(data, 8, 2).getShort() & 0xFFFF).isEqualTo(origins.udpPort());
                assertThat(new String(data, 10, data.length - 10, StandardCharsets.UTF_8)).isEqualTo(text);
            }
        }
    }

    /** SOCKS5 greeting (no authentication) and UDP ASSOCIATE; returns the relay address from the reply. */
    private static InetSocketAddress associate(Socket control) throws IOException {
        var out = control.getOutputStream();
        DataInputStream in = new DataInputStream(control.getInputStream());
        out.write(new byte[] {5, 1, 0});
        assertThat(in.readUnsignedByte()).isEqualTo(5);
        assertThat(in.readUnsignedByte()).as("no-authentication method").isZero();
        out.write(new byte[] {5, 3, 0, 1, 0, 0, 0, 0, 0, 0});
        assertThat(in.readUnsignedByte()).isEqualTo(5);
        assertThat(in.readUnsignedByte()).as("UDP ASSOCIATE reply code").isZero();
        in.readUnsignedByte();
        assertThat(in.readUnsignedByte()).as("IPv4 relay address").isEqualTo(1);
        byte[] address = in.readNBytes(4);
        int port = in.readUnsignedShort();
        return new InetSocketAddress(InetAddress.getByAddress(address), port);
    }
}
