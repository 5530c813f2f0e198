package org.anytls4j.transport.anytls.tls;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A failed TLS handshake in one line that says what happened, the same on both engines: OpenSSL reports every
 * verification failure as {@code General OpenSslEngine problem} with the real reason in a cause, the JDK as the
 * message of a wrapper, and a pin, CA or name failure should read {@code server public key sha256 X matches none of
 * tls.certificate_public_key_sha256}, {@code certificate for example.com not trusted: PKIX path building failed ...}
 * or {@code server certificate does not match tls.server_name example.com}, not as a stack trace.
 *
 * <h2>Threading</h2>
 * Stateless.
 */
public final class TlsFailures {
    private static final String OPENSSL_PLACEHOLDER = "General OpenSslEngine problem";
    private static final Pattern JDK_ALERT = Pattern.compile("Received fatal alert: (\\w+)");
    private static final Pattern OPENSSL_ALERT = Pattern.compile("(?:SSLV3|TLSV1)_ALERT_(\\w+)");

    private TlsFailures() {
    }

    /**
     * Why a client's handshake with its server failed, without the engine's wrappers.
     *
     * @param serverName the name the certificate was verified against ({@code tls.server_name})
     */
    public static String clientReason(Throwable failure, String serverName) {
        Throwable certificate = find(failure, t -> t instanceof java.security.cert.CertificateException
                || t instanceof CertPathBuilderException || t instanceof CertPathValidatorException);
        if (certificate != null) {
            return certificateReason(failure, certificate, serverName);
        }
        Throwable timeout = find(failure, t -> t instanceof SslHandshakeTimeoutException);
        if (timeout != null) {
            return message(timeout) + " (connect_timeout)";
        }
        String alert = alert(failure);
        if (alert != null) {
            return "the server refused the TLS handshake (alert " + alert + ")";
        }
        if (find(failure, t -> t instanceof ClosedChannelException) != null
                || messageContains(failure, "connection reset") || messageContains(failure, "closed")) {
            return "the server closed the connection during the TLS handshake (not a TLS server, or it refused"
                    + " this client)";
        }
        return "TLS handshake failed: " + message(failure);
    }

    private static String certificateReason(Throwable failure, Throwable certificate, String serverName) {
        String innermost = message(certificate);
        if (innermost.startsWith("server public key sha256 ")) {
            return innermost; // the pin check's own words
        }
        if (find(failure, t -> t instanceof CertificateExpiredException) != null) {
            return "certificate for " + serverName + " has expired: " + message(find(failure,
                    t -> t instanceof CertificateExpiredException));
        }
        if (find(failure, t -> t instanceof CertificateNotYetValidException) != null) {
            return "certificate for " + serverName + " is not valid yet (is this machine's clock right?)";
        }
        if (find(failure, t -> t instanceof CertPathBuilderException || t instanceof CertPathValidatorException
                || String.valueOf(t.getMessage()).startsWith("PKIX path")) != null) {
            return "certificate for " + serverName + " not trusted: PKIX path building failed: " + innermost
                    + " (not issued by a CA of tls.certificate or the system trust store; a self-signed server is"
                    + " pinned with tls.certificate_public_key_sha256)";
        }
        String lower = innermost.toLowerCase(Locale.ROOT);
        if (lower.startsWith("no subject alternative") || lower.startsWith("no name matching")) {
            return "server certificate does not match tls.server_name " + serverName + " (" + innermost + ")";
        }
        return "server certificate refused: " + innermost;
    }

    /**
     * Why a client's handshake with this server failed, as the server sees it (what the client's alert says).
     */
    public static String serverReason(Throwable failure) {
        if (find(failure, t -> t instanceof NotSslRecordException) != null) {
            return "not TLS (a plaintext client or a scanner)";
        }
        if (find(failure, t -> t instanceof SslHandshakeTimeoutException) != null) {
            return "no TLS handshake within the time allowed";
        }
        String alert = alert(failure);
        if (alert != null) {
            String refused = switch (alert) {
                case "certificate_unknown", "bad_certificate", "unknown_ca" ->
                        ": the client does not trust this server's certificate (check its pin or CA)";
                case "internal_error" -> ": an OpenSSL-based client says so of a certificate it does not trust"
                        + " (check its pin or CA)";
                default -> "";
            };
            return "the client ended the handshake (alert " + alert + ")" + refused;
        }
        return message(failure);
    }

    /** The TLS alert named in the failure's messages, in the JDK's spelling ({@code certificate_unknown}). */
    private static String alert(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            Matcher jdk = JDK_ALERT.matcher(message);
            if (jdk.find()) {
                return jdk.group(1);
            }
            Matcher openssl = OPENSSL_ALERT.matcher(message);
            if (openssl.find()) {
                return openssl.group(1).toLowerCase(Locale.ROOT);
            }
        }
        return null;
    }

    private static boolean messageContains(Throwable failure, String text) {
        return find(failure, t -> t.getMessage() != null
                && t.getMessage().toLowerCase(Locale.ROOT).contains(text)) != null;
    }

    private static Throwable find(Throwable failure, java.util.function.Predicate<Throwable> test) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (test.test(t)) {
                return t;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /** The message of the innermost cause that has a useful one (not a wrapper's or OpenSSL's placeholder). */
    private static String message(Throwable failure) {
        String best = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.isBlank() && !m.equals(OPENSSL_PLACEHOLDER) && !(t instanceof DecoderException
                    && t.getCause() != null)) {
                best = m;
            }
        }
        return best != null ? best : failure.getClass().getSimpleName();
    }
}
