package org.anytls4j.transport.anytls.tools;

import io.netty.util.NetUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.anytls4j.api.HostPort;
import org.anytls4j.api.outbound.ReferenceFlags;
import org.anytls4j.api.outbound.ReferenceFlags.Flag;
import org.anytls4j.api.outbound.ReferenceFlags.Given;
import org.anytls4j.transport.anytls.AnytlsTransportFactory;

/**
 * The flags of anytls-go's {@code cmd/client} and {@code cmd/server} ({@link ReferenceFlags}) and the blocks they
 * describe.
 *
 * <h2>Client</h2>
 * {@code -s HOST:PORT} (or an {@code anytls://} link, {@link AnytlsUri}) {@code -p PASSWORD [--sni NAME]
 * [-m MIN_IDLE] [--pin SHA256]... [--insecure]}: one {@code anytls} outbound tagged {@code proxy} (a link's own tag
 * when it has one). The reference client never verifies the server's certificate; this one does unless told
 * otherwise: by the system's CAs and the server name ({@code --sni}, else the host of {@code -s}); by a public-key
 * pin ({@code --pin}, the value an anytls server logs for the certificate it generated); or not at all with
 * {@code --insecure} (or {@code insecure=1} in the link). A name that is an IP address cannot be verified against
 * CAs in practice, so that case without a pin or {@code --insecure} is refused with an explanation, before anything
 * starts. {@code -m} is {@code min_idle_session}, 5 by default as in the reference when the {@code min_idle}
 * policy is installed.
 *
 * <h2>Server</h2>
 * {@code -l 0.0.0.0:8443 -p PASSWORD [--padding-scheme FILE]}: one {@code anytls} inbound tagged
 * {@code anytls-in} with one user, whose certificate the server generates at its first start and keeps under
 * {@code tls.data_directory}.
 *
 * <p>The password defaults to the environment variable {@value #PASSWORD_ENV}, which, unlike {@code -p},
 * {@code ps} does not show. Stateless.
 */
public final class AnytlsReferenceFlags {
    /** The variable the password is read from when {@code -p} is not given. */
    public static final String PASSWORD_ENV = "ANYTLS4J_PASSWORD";

    /** The pool policy that reads min_idle_session, and the reference client's default for its -m. */
    private static final String MIN_IDLE_POLICY = "min_idle";
    private static final int REFERENCE_MIN_IDLE = 5;

    public static final List<Flag> CLIENT = List.of(
            new Flag(List.of("-s", "--server"), "HOST:PORT|LINK", false,
                    "The server, as HOST:PORT or an anytls://password@host:port/?sni=...&insecure=0|1 link."),
            new Flag(List.of("-p", "--password"), "PASSWORD", false, "The password (overrides the link's). "
                    + "Default: the link's, else the environment variable " + PASSWORD_ENV + ", which, unlike -p, "
                    + "'ps' does not show."),
            new Flag(List.of("--sni", "-sni"), "NAME", false,
                    "Server name to verify and send as SNI (overrides the link's; default: the server host)."),
            new Flag(List.of("-m"), "N", false,
                    "Idle sessions kept by the pool: min_idle_session (default: 5, as the reference)."),
            new Flag(List.of("--pin"), "SHA256", true, "Accept the server by its public-key pin, base64 SHA-256 of "
                    + "its SubjectPublicKeyInfo (logged by an anytls server that generated its certificate, printed "
                    + "by 'generate certificate'). Repeatable."),
            new Flag(List.of("--insecure", "-insecure"), null, false,
                    "Do not verify the server's certificate at all (the reference client's behaviour)."));

    public static final List<Flag> SERVER = List.of(
            new Flag(List.of("-l", "--listen"), "IP:PORT", false,
                    "Address to listen on (default: 0.0.0.0:8443; ':8443' means 0.0.0.0:8443)."),
            new Flag(List.of("-p", "--password"), "PASSWORD", false, "The password clients authenticate with "
                    + "('generate password' makes one). Default: the environment variable " + PASSWORD_ENV
                    + ", which, unlike -p, 'ps' does not show."),
            new Flag(List.of("--padding-scheme", "-padding-scheme"), "FILE", false,
                    "Padding scheme to push to clients, one 'key=value' line each (see 'padding --help')."));

    private AnytlsReferenceFlags() {
    }

    /** See {@link ReferenceFlags#clientOutbound}. */
    public static Map<String, Object> clientOutbound(Given given) {
        String server = given.value("-s").orElseThrow(() -> new IllegalArgumentException(
                "-s HOST:PORT (or an anytls:// link, or -c FILE) is required"));
        Map<String, Object> outbound;
        if (server.regionMatches(true, 0, "anytls://", 0, 9)) {
            try {
                outbound = AnytlsUri.parse(server).toOutbound();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-s: " + e.getMessage(), e);
            }
        } else {
            HostPort address = HostPort.parse("-s", server, -1);
            if (address.host().isEmpty() || address.port() == 0) {
                throw new IllegalArgumentException("-s must name a host and a port 1..65535, was '" + server + "'");
            }
            outbound = new LinkedHashMap<>();
            outbound.put("type", AnytlsTransportFactory.TYPE);
            outbound.put("tag", "proxy");
            outbound.put("server", address.host());
            outbound.put("server_port", address.port());
            outbound.put("tls", new LinkedHashMap<>(Map.of("enabled", true)));
        }
        Optional<String> password = given.value("-p");
        if (password.isPresent()) {
            outbound.put("password", password.get());
        } else if (!(outbound.get("password") instanceof String p) || p.isEmpty()) {
            given.environment(PASSWORD_ENV).ifPresent(p -> outbound.put("password", p));
        }
        if (!(outbound.get("password") instanceof String p) || p.isEmpty()) {
            throw new IllegalArgumentException("a password is required: set the environment variable " + PASSWORD_ENV
                    + " (or give -p PASSWORD, which 'ps' shows, or a link with one)");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> tls = (Map<String, Object>) outbound.get("tls");
        given.value("--sni").ifPresent(sni -> tls.put("server_name", sni));
        if (given.isSet("--insecure")) {
            tls.put("insecure", true);
        }
        List<String> pins = given.values("--pin");
        if (!pins.isEmpty()) {
            if (Boolean.TRUE.equals(tls.get("insecure"))) {
                throw new IllegalArgumentException("--pin and --insecure (or insecure=1) exclude each other: a pin "
                        + "is a way of verifying");
            }
            tls.put("certificate_public_key_sha256", pins);
        }
        refuseUnverifiable(outbound, tls);
        Optional<String> minIdle = given.value("-m");
        if (minIdle.isPresent()) {
            int n;
            try {
                n = Integer.parseInt(minIdle.get());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Invalid value for option '-m': '" + minIdle.get()
                        + "' is not an int", e);
            }
            if (n < 0) {
                throw new IllegalArgumentException("-m must be >= 0, was " + n);
            }
            outbound.put("min_idle_session", n);
        } else if (given.hasPoolPolicy(MIN_IDLE_POLICY)) {
            outbound.put("min_idle_session", REFERENCE_MIN_IDLE);
        }
        return outbound;
    }

    private static void refuseUnverifiable(Map<String, Object> outbound, Map<String, Object> tls) {
        if (Boolean.TRUE.equals(tls.get("insecure")) || tls.containsKey("certificate_public_key_sha256")) {
            return;
        }
        String name = (String) tls.getOrDefault("server_name", outbound.get("server"));
        if (NetUtil.isValidIpV4Address(name) || NetUtil.isValidIpV6Address(name)) {
            throw new IllegalArgumentException("cannot verify the server's certificate: '" + name + "' is an IP "
                    + "address, which CA-issued certificates rarely name. Give --pin SHA256 (the "
                    + "certificate_public_key_sha256 an anytls server logs for the certificate it generated), "
                    + "--sni NAME (the name in its certificate), or --insecure to skip verification as the "
                    + "reference client does");
        }
    }

    /** See {@link ReferenceFlags#serverInbound}. */
    public static Map<String, Object> serverInbound(Given given) {
        String password = given.value("-p").or(() -> given.environment(PASSWORD_ENV)).orElse(null);
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("a password is required: set the environment variable " + PASSWORD_ENV
                    + " (or give -p PASSWORD, which 'ps' shows, or -c FILE)");
        }
        HostPort listen = HostPort.parse("-l", given.value("-l").orElse("0.0.0.0:8443"), -1);
        Map<String, Object> inbound = new LinkedHashMap<>();
        inbound.put("type", AnytlsTransportFactory.TYPE);
        inbound.put("tag", "anytls-in");
        inbound.put("listen", listen.host().isEmpty() ? "0.0.0.0" : listen.host());
        inbound.put("listen_port", listen.port());
        inbound.put("users", List.of(Map.of("name", "default", "password", password)));
        Optional<String> scheme = given.value("--padding-scheme");
        if (scheme.isPresent()) {
            inbound.put("padding_scheme", schemeLines(Path.of(scheme.get())));
        }
        return inbound;
    }

    /** The file's lines, without the trailing empty ones (a file usually ends with a newline). */
    private static List<String> schemeLines(Path file) {
        List<String> lines;
        try {
            lines = new ArrayList<>(Files.readAllLines(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("--padding-scheme: cannot read " + file + ": "
                    + CertificateTool.reason(e), e);
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }
}
