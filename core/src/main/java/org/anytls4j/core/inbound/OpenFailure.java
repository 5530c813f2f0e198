package org.anytls4j.core.inbound;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.anytls4j.api.Addresses;
import org.anytls4j.api.outbound.StreamRefusedException;
import org.anytls4j.api.pool.CreationBackoffException;

/**
 * Why an outbound stream could not be opened, and what each proxy protocol answers the local client.
 *
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>cause</th><th>SOCKS5 (RFC 1928 §6)</th><th>SOCKS4</th><th>HTTP</th></tr>
 *   <tr><td>connection refused</td><td>0x05 connection refused</td><td>0x5B</td><td>502</td></tr>
 *   <tr><td>refused by the server with a reason ({@link StreamRefusedException}; the text is logged and put in
 *       the HTTP body)</td><td>0x05 connection refused</td><td>0x5B</td><td>502</td></tr>
 *   <tr><td>unknown host, no route to host</td><td>0x04 host unreachable</td><td>0x5B</td><td>502</td></tr>
 *   <tr><td>network unreachable</td><td>0x03 network unreachable</td><td>0x5B</td><td>502</td></tr>
 *   <tr><td>connect timeout</td><td>0x04 host unreachable: RFC 1928's 0x06 "TTL expired" is about the IP TTL,
 *       and a host that never answers the connect is unreachable</td><td>0x5B</td><td>504</td></tr>
 *   <tr><td>the outbound is backing off after failed session creations ({@link CreationBackoffException}: the
 *       last failure is logged and put in the HTTP body)</td><td>0x01 general failure</td><td>0x5B</td><td>503
 *       with {@code Retry-After}</td></tr>
 *   <tr><td>the outbound cannot carry what was asked ({@link UnsupportedOperationException}, e.g. UDP on a
 *       transport without packet streams)</td><td>0x07 command not supported</td><td>0x5B</td><td>502</td></tr>
 *   <tr><td>anything else</td><td>0x01 general failure</td><td>0x5B</td><td>502</td></tr>
 * </table>
 */
enum OpenFailure {
    /** The destination (or the outbound's server) actively refused the TCP connection. */
    CONNECTION_REFUSED("connection-refused", Socks5CommandStatus.CONNECTION_REFUSED, HttpResponseStatus.BAD_GATEWAY),
    /** The AnyTLS server refused the stream and said why. */
    REFUSED_BY_SERVER("refused-by-server", Socks5CommandStatus.CONNECTION_REFUSED, HttpResponseStatus.BAD_GATEWAY),
    /** The name does not resolve, or there is no route to the host. */
    HOST_UNREACHABLE("host-unreachable", Socks5CommandStatus.HOST_UNREACHABLE, HttpResponseStatus.BAD_GATEWAY),
    /** The network of the destination is unreachable. */
    NETWORK_UNREACHABLE("network-unreachable", Socks5CommandStatus.NETWORK_UNREACHABLE,
            HttpResponseStatus.BAD_GATEWAY),
    /** The connect (or the stream open) did not finish in time. */
    TIMEOUT("timeout", Socks5CommandStatus.HOST_UNREACHABLE, HttpResponseStatus.GATEWAY_TIMEOUT),
    /** The outbound cannot make a session now: it is backing off after failed creations. */
    BACKING_OFF("outbound-backing-off", Socks5CommandStatus.FAILURE, HttpResponseStatus.SERVICE_UNAVAILABLE),
    /** The outbound cannot carry this kind of traffic (UDP on a transport without packet streams). */
    UNSUPPORTED("unsupported", Socks5CommandStatus.COMMAND_UNSUPPORTED, HttpResponseStatus.BAD_GATEWAY),
    /** Any other failure. */
    GENERAL("general-failure", Socks5CommandStatus.FAILURE, HttpResponseStatus.BAD_GATEWAY);

    private final String reason;
    private final Socks5CommandStatus socks5;
    private final HttpResponseStatus http;

    OpenFailure(String reason, Socks5CommandStatus socks5, HttpResponseStatus http) {
        this.reason = reason;
        this.socks5 = socks5;
        this.http = http;
    }

    /** Stable name for logs and the {@code reason} metric tag. */
    String reason() {
        return reason;
    }

    Socks5CommandStatus socks5() {
        return socks5;
    }

    HttpResponseStatus http() {
        return http;
    }

    /** The cause inside the wrappers that futures add. */
    static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    static OpenFailure classify(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof StreamRefusedException) {
            return REFUSED_BY_SERVER;
        }
        if (t instanceof CreationBackoffException) {
            return BACKING_OFF;
        }
        if (t instanceof UnsupportedOperationException) {
            return UNSUPPORTED;
        }
        if (t instanceof ConnectTimeoutException || t instanceof SocketTimeoutException
                || t instanceof TimeoutException) {
            return TIMEOUT;
        }
        if (t instanceof UnknownHostException || t instanceof NoRouteToHostException) {
            return HOST_UNREACHABLE;
        }
        String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("network is unreachable")) {
            return NETWORK_UNREACHABLE;
        }
        if (message.contains("no route to host") || message.contains("host is unreachable")) {
            return HOST_UNREACHABLE;
        }
        if (message.contains("connection refused") || t instanceof ConnectException) {
            return CONNECTION_REFUSED;
        }
        return GENERAL;
    }

    /** One line for logs and HTTP bodies: the cause's class-free message, addresses as {@link Addresses} writes. */
    static String describe(Throwable failure) {
        Throwable t = unwrap(failure);
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : Addresses.clean(message);
    }
}
