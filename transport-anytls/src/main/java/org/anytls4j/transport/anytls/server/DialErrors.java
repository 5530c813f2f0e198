package org.anytls4j.transport.anytls.server;

import io.netty.channel.ConnectTimeoutException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.StreamRefusedException;

/**
 * The text of a SYNACK error (PROTOCOL.md section 6.6), shaped like the reference's Go dial errors so clients
 * and operators read the same thing from either server: {@code dial tcp 127.0.0.1:9: connect: connection
 * refused}, {@code dial tcp example.invalid:80: lookup example.invalid: no such host}, {@code dial tcp
 * 10.0.0.1:80: i/o timeout}, {@code dial tcp 10.0.0.1:80: socket: too many open files}. A refusal relayed from
 * an upstream server keeps the upstream's text.
 *
 * <p>Nothing else of an exception reaches the peer: no Java class name, no message that is not one of the dial
 * errors above in words (the cause chain is searched for the operating system's words, e.g. {@code
 * Unable to create Channel from class ...EpollSocketChannel} caused by {@code Too many open files} becomes
 * {@code socket: too many open files}); an error of any other kind reads {@code connect: connection failed}. The
 * server's own log keeps the detail. Stateless.
 */
final class DialErrors {
    /** Words of the operating system's errors, as they appear in messages, and how Go spells the result. */
    private static final String[][] KNOWN = {
        {"too many open files", "socket: too many open files"},
        {"connection refused", "connect: connection refused"},
        {"network is unreachable", "connect: network is unreachable"},
        {"no route to host", "connect: no route to host"},
        {"connection reset", "connect: connection reset by peer"},
        {"connection timed out", "i/o timeout"},
        {"cannot assign requested address", "connect: cannot assign requested address"},
        {"address already in use", "connect: address already in use"},
        {"permission denied", "connect: permission denied"},
        {"no buffer space available", "socket: no buffer space available"},
        {"cannot allocate memory", "socket: resource limit"},
        {"resource temporarily unavailable", "socket: resource limit"},
    };

    private DialErrors() {
    }

    static String describe(Destination destination, Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof StreamRefusedException) {
            return cause.getMessage();
        }
        return "dial tcp " + destination + ": " + reason(destination, cause);
    }

    private static String reason(Destination destination, Throwable cause) {
        if (cause instanceof ConnectTimeoutException || cause instanceof SocketTimeoutException) {
            return "i/o timeout";
        }
        if (cause instanceof UnknownHostException) {
            return "lookup " + destination.host() + ": no such host";
        }
        if (cause instanceof OutOfMemoryError) {
            return "socket: resource limit";
        }
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            for (String[] known : KNOWN) {
                if (message.contains(known[0])) {
                    return known[1];
                }
            }
        }
        return "connect: connection failed";
    }

    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
