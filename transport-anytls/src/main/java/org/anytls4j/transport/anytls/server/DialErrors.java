package org.anytls4j.transport.anytls.server;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.anytls4j.api.Destination;
import org.anytls4j.api.outbound.StreamRefusedException;

/**
 * The text of a SYNACK error (PROTOCOL.md section 6.6), shaped like the reference's Go dial errors so clients
 * and operators read the same thing from either server: {@code dial tcp 127.0.0.1:9: connect: connection
 * refused}, {@code dial tcp example.invalid:80: lookup example.invalid: no such host}, {@code dial tcp
 * 10.0.0.1:80: i/o timeout}. A refusal relayed from an upstream server keeps the upstream's text. Stateless.
 */
final class DialErrors {
    private static final Pattern NATIVE_PREFIX = Pattern.compile("^[^:]*error\\(-?\\d+\\): ");

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
        String message = cause.getMessage() == null ? "" : cause.getMessage();
        if (cause instanceof ConnectTimeoutException) {
            return "i/o timeout";
        }
        if (cause instanceof UnknownHostException) {
            return "lookup " + destination.host() + ": no such host";
        }
        if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
            // The native transports say "finishConnect(..) failed with error(-111): Connection refused"
            String what = NATIVE_PREFIX.matcher(message).replaceFirst("");
            int colon = what.indexOf(':'); // Netty appends ": /address:port"
            what = (colon > 0 ? what.substring(0, colon) : what).toLowerCase(Locale.ROOT);
            return "connect: " + (what.isEmpty() ? "connection failed" : what);
        }
        return message.isEmpty() ? cause.getClass().getSimpleName() : message;
    }

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
