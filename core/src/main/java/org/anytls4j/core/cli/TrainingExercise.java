package org.anytls4j.core.cli;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.util.Objects.requireNonNull;

import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.anytls4j.core.runtime.Host;

/**
 * Proxied connections on loopback, made by the run that writes the class-data sharing archive (issue 12): that run
 * used to be a {@code check} alone, which builds every inbound and outbound but binds nothing and carries no
 * connection, so the classes of the connection path (SOCKS5 and HTTP, sessions, TLS handshakes, frames, padding,
 * relays, the direct outbound; ~400) were read from their jars by the first connections after every start. The
 * first connection through a fresh pair took 190-250 ms, 110-140 ms with them in the archive. On Java 25 the AOT
 * cache also holds them linked.
 *
 * <p>It starts, in the given host, an anytls server inbound (a generated certificate kept in a temporary directory,
 * deleted afterwards) and a mixed inbound whose anytls outbound uses it, both on 127.0.0.1, and an echo target; sends
 * SOCKS5, HTTP CONNECT and plain HTTP requests through, one after another and a few at once, some with a payload of
 * several frames; and stops everything. Nothing of the operator's configuration is used, nothing is printed.
 *
 * <p>The launcher asks for it with {@value #PROPERTY}{@code =true} on the check that writes an archive
 * ({@code bin/anytls4j}, "Class-data sharing"); {@link CheckCommand} runs it after its own output, and a failure
 * only makes the archive smaller.
 *
 * <h2>Threading</h2>
 * {@link #run} blocks the caller; the echo target uses a thread per connection, all daemons, all ended on return.
 */
final class TrainingExercise {
    /** The system property the launcher sets on the run that writes the archive. */
    static final String PROPERTY = "anytls4j.cds.training";
    /** Rounds of sequential requests. */
    static final int ROUNDS = 3;
    /** Connections at once in the concurrent round. */
    static final int CONCURRENT = 4;
    private static final int TIMEOUT_MS = 10_000;
    private static final String CLIENT_TAG = "training-client";
    private static final String PASSWORD = "training";
    private static final byte[] SMALL = payload(1_000);
    /** Larger than one frame and one TLS record: the decoder passes it on in pieces. */
    private static final byte[] LARGE = payload(100_000);

    private TrainingExercise() {
    }

    /** Whether this run was asked for the exercise. */
    static boolean requested() {
        return Boolean.getBoolean(PROPERTY);
    }

    /**
     * Runs the exercise in {@code host} (which must not be running a configuration) and stops it again.
     *
     * @return the requests that went through and back
     * @throws IOException when a request fails (what ran until then stays exercised)
     */
    static int run(Host host) throws IOException {
        requireNonNull(host, "host");
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        Path dataDirectory = Files.createTempDirectory("anytls4j-training");
        try (EchoTarget target = EchoTarget.start(loopback)) {
            int serverPort = freePort(loopback);
            Map<String, InetSocketAddress> bound = host.start(ConfigFactory.parseString(configuration(serverPort,
                    dataDirectory)), "start-up training");
            try {
                InetSocketAddress proxy = requireNonNull(bound.get(CLIENT_TAG), "the training client's address");
                return exercise(proxy, target.port());
            } finally {
                host.stop();
            }
        } finally {
            deleteTree(dataDirectory);
        }
    }

    private static int exercise(InetSocketAddress proxy, int targetPort) throws IOException {
        int done = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < 4; i++) {
                socks5(proxy, targetPort, i == 0 ? LARGE : SMALL);
                done++;
            }
            httpConnect(proxy, targetPort, SMALL);
            plainHttp(proxy, targetPort);
            done += 2;
        }
        // a thread each (the common pool has a single thread on two cores): the requests overlap
        ExecutorService threads = Executors.newFixedThreadPool(CONCURRENT, task -> {
            Thread thread = new Thread(task, "anytls4j-training-client");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<CompletableFuture<Void>> together = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                together.add(CompletableFuture.runAsync(() -> {
                    try {
                        socks5(proxy, targetPort, SMALL);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, threads));
            }
            CompletableFuture.allOf(together.toArray(CompletableFuture[]::new)).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("concurrent requests: " + e.getMessage(), e);
        } finally {
            threads.shutdownNow();
        }
        return done + CONCURRENT;
    }

    private static String configuration(int serverPort, Path dataDirectory) {
        return """
                inbounds = [
                  { type = anytls, tag = training-server, listen = "127.0.0.1", listen_port = %1$d, outbound = direct
                    users = [ { name = training, password = "%2$s" } ]
                    tls { data_directory = "%3$s" } }
                  { type = mixed, tag = %4$s, listen = "127.0.0.1", listen_port = 0, outbound = proxy }
                ]
                outbounds = [
                  { type = anytls, tag = proxy, server = "127.0.0.1", server_port = %1$d, password = "%2$s"
                    tls { server_name = localhost, insecure = true } }
                  { type = direct, tag = direct }
                ]
                """.formatted(serverPort, PASSWORD, dataDirectory.toString().replace("\\", "\\\\"), CLIENT_TAG);
    }

    private static void socks5(InetSocketAddress proxy, int targetPort, byte[] payload) throws IOException {
        try (Socket socket = connect(proxy)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(new byte[] {5, 1, 0});
            expect(in.readNBytes(2), new byte[] {5, 0}, "SOCKS5 method");
            out.write(new byte[] {5, 1, 0, 1, 127, 0, 0, 1, (byte) (targetPort >> 8), (byte) targetPort});
            byte[] reply = in.readNBytes(10);
            if (reply.length != 10 || reply[1] != 0) {
                throw new IOException("SOCKS5 CONNECT refused: " + Arrays.toString(reply));
            }
            echo(out, in, payload);
        }
    }

    private static void httpConnect(InetSocketAddress proxy, int targetPort, byte[] payload) throws IOException {
        try (Socket socket = connect(proxy)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("CONNECT 127.0.0.1:" + targetPort + " HTTP/1.1\r\nHost: 127.0.0.1:" + targetPort
                    + "\r\n\r\n").getBytes(US_ASCII));
            String head = head(in);
            if (!head.startsWith("HTTP/1.1 200")) {
                throw new IOException("HTTP CONNECT refused: " + head.lines().findFirst().orElse(""));
            }
            echo(out, in, payload);
        }
    }

    /** A plain proxy request: the target echoes the request the proxy forwards, which starts with its method. */
    private static void plainHttp(InetSocketAddress proxy, int targetPort) throws IOException {
        try (Socket socket = connect(proxy)) {
            socket.getOutputStream().write(("GET http://127.0.0.1:" + targetPort + "/training HTTP/1.1\r\nHost: "
                    + "127.0.0.1:" + targetPort + "\r\n\r\n").getBytes(US_ASCII));
            byte[] start = socket.getInputStream().readNBytes(4);
            expect(start, "GET ".getBytes(US_ASCII), "plain HTTP request forwarded");
        }
    }

    private static void echo(OutputStream out, InputStream in, byte[] payload) throws IOException {
        out.write(payload);
        out.flush();
        expect(in.readNBytes(payload.length), payload, "echo of " + payload.length + " bytes");
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (head.size() < 8192) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            String text = head.toString(US_ASCII);
            if (text.endsWith("\r\n\r\n")) {
                return text;
            }
        }
        return head.toString(US_ASCII);
    }

    private static void expect(byte[] actual, byte[] expected, String what) throws IOException {
        if (!Arrays.equals(actual, expected)) {
            throw new IOException(what + ": got " + actual.length + " bytes that are not the expected "
                    + expected.length);
        }
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.setSoTimeout(TIMEOUT_MS);
        socket.connect(address, TIMEOUT_MS);
        return socket;
    }

    private static int freePort(InetAddress loopback) throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, loopback)) {
            return probe.getLocalPort();
        }
    }

    private static byte[] payload(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + (i >> 8));
        }
        return bytes;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind holds only the training's own certificate
        }
    }

    /** A target that sends back whatever it receives, a daemon thread per connection. */
    private static final class EchoTarget implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> accepted = new ArrayList<>();

        private EchoTarget(ServerSocket server) {
            this.server = server;
        }

        static EchoTarget start(InetAddress loopback) throws IOException {
            EchoTarget target = new EchoTarget(new ServerSocket(0, 50, loopback));
            Thread acceptor = new Thread(target::accept, "anytls4j-training-target");
            acceptor.setDaemon(true);
            acceptor.start();
            return target;
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                Socket socket;
                try {
                    socket = server.accept();
                } catch (IOException e) {
                    return;
                }
                synchronized (accepted) {
                    accepted.add(socket);
                }
                Thread echo = new Thread(() -> echo(socket), "anytls4j-training-echo");
                echo.setDaemon(true);
                echo.start();
            }
        }

        private static void echo(Socket socket) {
            try (socket) {
                socket.getInputStream().transferTo(socket.getOutputStream());
            } catch (SocketException e) {
                // closed by the proxy or by close()
            } catch (IOException e) {
                // the exercise sees the failure on its side
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (accepted) {
                for (Socket socket : accepted) {
                    socket.close();
                }
            }
        }
    }
}
