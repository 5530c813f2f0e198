package org.anytls4j.it.product;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What the proxied traffic reaches in the product tests, on 127.0.0.1 and port 0: an HTTP server whose every page
 * says {@link #body(String)} (so a test knows the body came from here, for this path), and a UDP echo.
 *
 * <h2>Lifecycle</h2>
 * Started by {@link #start()}; {@link #close()} stops both.
 */
final class Origins implements AutoCloseable {
    private final HttpServer http;
    private final DatagramSocket udp;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "origins");
        t.setDaemon(true);
        return t;
    });

    private Origins() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        http.createContext("/", exchange -> {
            byte[] body = body(exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.setExecutor(threads);
        http.start();
        udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        threads.execute(this::echo);
    }

    static Origins start() throws IOException {
        return new Origins();
    }

    /** The body every page at {@code path} has. */
    static String body(String path) {
        return "hello from the origin at " + path + "\n";
    }

    int httpPort() {
        return http.getAddress().getPort();
    }

    int udpPort() {
        return udp.getLocalPort();
    }

    private void echo() {
        byte[] buffer = new byte[65535];
        while (!udp.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
                udp.send(new DatagramPacket(packet.getData(), packet.getLength(), packet.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        udp.close();
        threads.shutdownNow();
    }
}
