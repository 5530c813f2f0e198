import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The origin server of .ci/examples: HTTP on 127.0.0.1, a free port printed on standard output as
 * {@code port=N}; GET /anything answers {@code hello from <path>}. Stops by itself after the seconds given as its
 * argument (default 300), so a failed script never leaves it behind. Run as {@code java .ci/Origin.java}.
 */
public final class Origin {
    public static void main(String[] args) throws Exception {
        long lifetimeSeconds = args.length > 0 ? Long.parseLong(args[0]) : 300;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", exchange -> {
            byte[] body = ("hello from " + exchange.getRequestURI().getPath() + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("port=" + server.getAddress().getPort());
        System.out.flush();
        Thread.sleep(lifetimeSeconds * 1000);
        server.stop(0);
    }
}
