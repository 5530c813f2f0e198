package org.anytls4j.core.cli;

import io.netty.util.NetUtil;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.anytls4j.api.HostPort;
import org.anytls4j.api.outbound.OutboundLinks;
import org.anytls4j.core.config.BlockSpec;
import org.anytls4j.core.config.ConfigValidator;
import org.anytls4j.core.config.ValidatedConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code anytls4j client}: runs a client, from the reference client's flags ({@code -l 127.0.0.1:1080 -s HOST:PORT
 * -p PASSWORD [--sni NAME] [-m MIN_IDLE]}, where {@code -s} also takes an {@code anytls://} link) or from
 * {@code -c FILE}, not both. From flags: a mixed inbound (SOCKS4/5 and HTTP proxy) at {@code -l} and one
 * {@code anytls} outbound. A file must have at least one pooled outbound.
 *
 * <h2>Certificate verification</h2>
 * The reference client never verifies the server's certificate. This one does unless told otherwise: by the system's
 * CAs and the server name ({@code --sni}, else the host of {@code -s}); by a public-key pin ({@code --pin}, the value
 * an anytls server logs for the certificate it generated); or not at all with {@code --insecure} (or
 * {@code insecure=1} in the link). A name that is an IP address cannot be verified against CAs in practice, so that
 * case without a pin or {@code --insecure} is refused with an explanation, before anything starts.
 *
 * <p>Links are read by the transport plugin of their scheme (the anytls transport reads {@code anytls://} links,
 * PROTOCOL.md section 16), through the {@link OutboundLinks} interface: the host never imports a plugin.
 */
@Command(name = "client", description = {"Run a client: local inbounds through pooled outbounds.",
        "Either -c FILE, or the flags of the reference client (anytls-go cmd/client)."})
final class ClientCommand extends FlagsOrFileCommand {
    /** The pool policy that reads min_idle_session, and the reference client's default for its -m. */
    private static final String MIN_IDLE_POLICY = "min_idle";
    private static final int REFERENCE_MIN_IDLE = 5;

    @Option(names = {"-l", "--listen"}, paramLabel = "IP:PORT",
            description = "Where the local SOCKS5/SOCKS4/HTTP proxy listens (default: 127.0.0.1:1080).")
    String listen;

    @Option(names = {"-s", "--server"}, paramLabel = "HOST:PORT|LINK",
            description = "The server, as HOST:PORT or an anytls://password@host:port/?sni=...&insecure=0|1 link.")
    String server;

    @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD",
            description = "The password (overrides the link's). Default: the link's, else the environment variable "
                    + Launcher.PASSWORD_ENV + ", which, unlike -p, 'ps' does not show.")
    String password;

    @Option(names = {"--sni", "-sni"}, paramLabel = "NAME",
            description = "Server name to verify and send as SNI (overrides the link's; default: the server host).")
    String sni;

    @Option(names = "-m", paramLabel = "N", description = "Idle sessions kept by the pool: min_idle_session "
            + "(default: 5, as the reference).")
    Integer minIdle;

    @Option(names = "--pin", paramLabel = "SHA256", description = "Accept the server by its public-key pin, base64 "
            + "SHA-256 of its SubjectPublicKeyInfo (logged by an anytls server that generated its certificate, "
            + "printed by 'generate certificate'). Repeatable.")
    List<String> pins;

    @Option(names = {"--insecure", "-insecure"},
            description = "Do not verify the server's certificate at all (the reference client's behaviour).")
    boolean insecure;

    ClientCommand(Launcher launcher) {
        super(launcher, "the client's flags", "client options");
    }

    @Override
    boolean flagsGiven() {
        return listen != null || server != null || password != null || sni != null || minIdle != null
                || pins != null || insecure;
    }

    @Override
    Map<String, Object> fromFlags() {
        if (server == null) {
            throw new ParameterException(spec.commandLine(), "-s HOST:PORT (or an anytls:// link, or -c FILE) is "
                    + "required");
        }
        String scheme = linkScheme(server);
        Map<String, Object> outbound = scheme != null ? fromLink(server, scheme) : fromAddress(server);
        if (password != null) {
            outbound.put("password", password);
        } else if (!(outbound.get("password") instanceof String p) || p.isEmpty()) {
            launcher.environment(Launcher.PASSWORD_ENV).ifPresent(p -> outbound.put("password", p));
        }
        if (!(outbound.get("password") instanceof String p) || p.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "a password is required: set the environment variable "
                    + Launcher.PASSWORD_ENV + " (or give -p PASSWORD, which 'ps' shows, or a link with one)");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> tls = (Map<String, Object>) outbound.get("tls");
        if (sni != null) {
            tls.put("server_name", sni);
        }
        if (insecure) {
            tls.put("insecure", true);
        }
        if (pins != null) {
            if (Boolean.TRUE.equals(tls.get("insecure"))) {
                throw new ParameterException(spec.commandLine(), "--pin and --insecure (or insecure=1) exclude each "
                        + "other: a pin is a way of verifying");
            }
            tls.put("certificate_public_key_sha256", pins);
        }
        refuseUnverifiable(outbound, tls);
        if (minIdle != null && minIdle < 0) {
            throw new ParameterException(spec.commandLine(), "-m must be >= 0, was " + minIdle);
        }
        if (minIdle != null) {
            outbound.put("min_idle_session", minIdle);
        } else if (launcher.contributions().poolPolicies().containsKey(MIN_IDLE_POLICY)) {
            outbound.put("min_idle_session", REFERENCE_MIN_IDLE);
        }
        Map<String, Object> inbound = inboundAt("mixed", "local", listen, "127.0.0.1:1080");
        return Map.of("inbounds", List.of(inbound), "outbounds", List.of(outbound));
    }

    private Map<String, Object> fromAddress(String value) {
        HostPort address = hostPort("-s", value, null);
        if (address.host().isEmpty() || address.port() == 0) {
            throw new ParameterException(spec.commandLine(), "-s must name a host and a port 1..65535, was '"
                    + value + "'");
        }
        Map<String, Object> outbound = new LinkedHashMap<>();
        outbound.put("type", "anytls");
        outbound.put("tag", "proxy");
        outbound.put("server", address.host());
        outbound.put("server_port", address.port());
        outbound.put("tls", new LinkedHashMap<>(Map.of("enabled", true)));
        return outbound;
    }

    /**
     * The outbound block of {@code link}, read by the installed transport whose {@link OutboundLinks#linkScheme}
     * the link has, as a mutable map.
     */
    private Map<String, Object> fromLink(String link, String scheme) {
        OutboundLinks reader = launcher.contributions().transports().values().stream()
                .filter(OutboundLinks.class::isInstance).map(OutboundLinks.class::cast)
                .filter(links -> links.linkScheme().equalsIgnoreCase(scheme)).findFirst()
                .orElseThrow(() -> new ParameterException(spec.commandLine(), "-s: " + scheme + ":// links are read "
                        + "by the transport plugin of that protocol, which is not installed (transports: "
                        + launcher.contributions().transports().keySet() + ")"));
        Map<String, Object> outbound;
        try {
            outbound = new LinkedHashMap<>(reader.outboundBlock(link));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "-s: " + e.getMessage());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> tls = (Map<String, Object>) outbound.getOrDefault("tls", Map.of());
        outbound.put("tls", new LinkedHashMap<>(tls));
        return outbound;
    }

    /** The scheme of {@code value} when it is a link ({@code scheme://...}), else null. */
    private static String linkScheme(String value) {
        int separator = value.indexOf("://");
        return separator > 0 && value.substring(0, separator).chars().allMatch(c -> Character.isLetterOrDigit(c)
                || c == '+' || c == '-' || c == '.') ? value.substring(0, separator) : null;
    }

    private void refuseUnverifiable(Map<String, Object> outbound, Map<String, Object> tls) {
        if (Boolean.TRUE.equals(tls.get("insecure")) || tls.containsKey("certificate_public_key_sha256")) {
            return;
        }
        String name = (String) tls.getOrDefault("server_name", outbound.get("server"));
        if (NetUtil.isValidIpV4Address(name) || NetUtil.isValidIpV6Address(name)) {
            throw new ParameterException(spec.commandLine(), "cannot verify the server's certificate: '" + name
                    + "' is an IP address, which CA-issued certificates rarely name. Give --pin SHA256 (the "
                    + "certificate_public_key_sha256 an anytls server logs for the certificate it generated), "
                    + "--sni NAME (the name in its certificate), or --insecure to skip verification as the "
                    + "reference client does");
        }
    }

    @Override
    String requirement(ValidatedConfig config) {
        boolean pooled = config.outbounds().stream().map(BlockSpec::type)
                .anyMatch(type -> !ConfigValidator.DIRECT.equals(type));
        return pooled ? null : "a client needs an outbound of a transport type "
                + launcher.contributions().transports().keySet() + "; none is configured";
    }
}
