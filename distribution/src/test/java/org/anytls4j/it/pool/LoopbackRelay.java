package org.anytls4j.it.pool;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay on 127.0.0.1 between the client and the server, standing in for the network path: it forwards bytes
 * both ways and can misbehave as real paths do. {@link Connection#blackHole()} makes one connection a black hole
 * (bytes are read and dropped in both directions, nothing is closed: a peer that died without a FIN or RST);
 * {@link #dropIdleAfter(Duration)} closes every connection that carried no byte in either direction for that long,
 * as a NAT forgets an idle mapping.
 *
 * <h2>Threading and lifecycle</h2>
 * Blocking sockets: an accept thread and two pump threads per connection (daemons), and an idle check every
 * 20 ms on a scheduler. {@link #close()} closes every socket and stops the threads.
 */
final class LoopbackRelay implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "loopback-relay");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loopback-relay-watchdog");
        t.setDaemon(true);
        return t;
    });
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final Map<Integer, CompletableFuture<Connection>> arrivals = new HashMap<>();
    private volatile long idleLimitNanos = Long.MAX_VALUE;
    private volatile boolean closed;

    LoopbackRelay(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
        watchdog.scheduleAtFixedRate(this::dropIdle, 20, 20, TimeUnit.MILLISECONDS);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
    }

    /** Every connection accepted so far, in order. */
    List<Connection> connections() {
        return List.copyOf(connections);
    }

    /** Completes when the {@code n}-th connection (from 1) has been accepted. */
    CompletableFuture<Connection> connection(int n) {
        synchronized (arrivals) {
            return arrivals.computeIfAbsent(n, k -> new CompletableFuture<>());
        }
    }

    /** From now on, close connections idle (no byte either way) for longer than {@code limit}. */
    void dropIdleAfter(Duration limit) {
        idleLimitNanos = limit.toNanos();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(target, 5_000);
                Connection connection = new Connection(client, server);
                connections.add(connection);
                connection(connections.size()).complete(connection);
                threads.execute(() -> connection.pump(client, server));
                threads.execute(() -> connection.pump(server, client));
            } catch (IOException e) {
                if (!closed) {
                    throw new IllegalStateException("relay accept failed", e);
                }
            }
        }
    }

    private void dropIdle() {
        long now = System.nanoTime();
        for (Connection connection : connections) {
            if (!connection.closed && now - connection.lastByteNanos > idleLimitNanos) {
                connection.droppedForIdleness = true;
                connection.close();
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        connections.forEach(Connection::close);
        threads.shutdownNow();
        watchdog.shutdownNow();
    }

    /** One relayed TCP connection. */
    static final class Connection {
        private final Socket client;
        private final Socket server;
        private volatile boolean blackHole;
        private volatile boolean closed;
        private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
        private volatile boolean droppedForIdleness;
        private volatile long lastByteNanos = System.nanoTime();

        Connection(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        /** Stops forwarding in both directions without closing anything. */
        void blackHole() {
            blackHole = true;
        }

        /** Whether either side closed it (the client closing its session, or the idle drop). */
        boolean isClosed() {
            return closed;
        }

        /** Completes when the connection closes. */
        CompletableFuture<Void> closeFuture() {
            return closeFuture;
        }

        boolean droppedForIdleness() {
            return droppedForIdleness;
        }

        private void pump(Socket from, Socket to) {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (blackHole) {
                        continue;
                    }
                    lastByteNanos = System.nanoTime();
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the other pump or close() ended the connection
            } finally {
                close();
            }
        }

        void close() {
            closed = true;
            closeFuture.complete(null);
            try {
                client.close();
            } catch (IOException ignored) {
                // already closed
            }
            try {
                server.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}
