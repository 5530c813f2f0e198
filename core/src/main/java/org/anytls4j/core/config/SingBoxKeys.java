package org.anytls4j.core.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.ConfigValue;
import java.util.List;
import java.util.Map;

/**
 * Keys of sing-box's configuration schema that anytls4j does not implement. An operator's sing-box file carries
 * them ({@code route}, {@code dns}, {@code sniff}, {@code detour}, {@code tls.utls}, ...): they are accepted with a
 * warning that names what is ignored and what that means for the traffic, instead of failing the file as a typo
 * would. A key that is in neither schema stays an error with a suggestion ({@link ConfigValidator}).
 * {@code validation.sing_box_keys = error} turns these warnings into errors.
 *
 * <p>Keys anytls4j declares never reach this class: where both schemas have a key, ours wins.
 *
 * <h2>Threading</h2>
 * One instance per validation, not thread-safe.
 */
final class SingBoxKeys {
    private static final String NOT_IMPLEMENTED = "not implemented by anytls4j";
    private static final String DIAL = "anytls4j dials with the system's defaults (interface, address, "
            + "keep-alive, resolver)";
    private static final String LISTEN = "anytls4j listens with the system's defaults";

    /** Scope ("" = top level) -> key -> what ignoring it means. */
    private static final Map<String, Map<String, String>> IGNORED = Map.of(
            "", Map.of(
                    "route", "anytls4j has no router: each inbound sends every stream to its `outbound` "
                            + "(default: the first outbound)",
                    "dns", "host names are resolved by the AnyTLS server (socks5h, HTTP) or by the system "
                            + "resolver (direct)",
                    "experimental", "metrics and health are served by the `admin` block",
                    "ntp", NOT_IMPLEMENTED,
                    "certificate", "anytls4j trusts the JDK's CA store, or tls.certificate / "
                            + "tls.certificate_public_key_sha256 per outbound",
                    "endpoints", NOT_IMPLEMENTED,
                    "services", NOT_IMPLEMENTED),
            "outbound", dialFields(),
            "outbound.tls", Map.ofEntries(
                    Map.entry("utls", "the TLS fingerprint is BoringSSL's or the JDK's, not a browser's"),
                    Map.entry("ech", NOT_IMPLEMENTED),
                    Map.entry("reality", NOT_IMPLEMENTED),
                    Map.entry("fragment", "the ClientHello is not fragmented"),
                    Map.entry("fragment_fallback_delay", "the ClientHello is not fragmented"),
                    Map.entry("record_fragment", "the ClientHello is not fragmented"),
                    Map.entry("disable_sni", "the SNI follows tls.server_name"),
                    Map.entry("cipher_suites", "the TLS provider's default cipher suites are used"),
                    Map.entry("curve_preferences", "the TLS provider's default curves are used"),
                    Map.entry("client_certificate", "no client certificate is sent"),
                    Map.entry("client_certificate_path", "no client certificate is sent"),
                    Map.entry("client_key", "no client certificate is sent"),
                    Map.entry("client_key_path", "no client certificate is sent")),
            "inbound", Map.ofEntries(
                    Map.entry("sniff", "no sniffing: the destination is the one the client asked for"),
                    Map.entry("sniff_override_destination", "no sniffing: the destination is the one the client "
                            + "asked for"),
                    Map.entry("sniff_timeout", "no sniffing"),
                    Map.entry("domain_strategy", "host names are passed on unresolved"),
                    Map.entry("udp_disable_domain_unmapping", NOT_IMPLEMENTED),
                    Map.entry("set_system_proxy", "the system proxy settings are left alone"),
                    Map.entry("detour", "the inbound's streams go to its `outbound`"),
                    Map.entry("bind_interface", LISTEN),
                    Map.entry("routing_mark", LISTEN),
                    Map.entry("reuse_addr", LISTEN),
                    Map.entry("netns", LISTEN),
                    Map.entry("tcp_fast_open", LISTEN),
                    Map.entry("tcp_multi_path", LISTEN),
                    Map.entry("udp_fragment", LISTEN),
                    Map.entry("udp_timeout", "UDP associations end with their TCP control connection")),
            "inbound.tls", Map.of(
                    "acme", "use tls.certificate_path and tls.key_path, or let anytls4j generate a certificate",
                    "ech", NOT_IMPLEMENTED,
                    "reality", NOT_IMPLEMENTED,
                    "cipher_suites", "the TLS provider's default cipher suites are used",
                    "curve_preferences", "the TLS provider's default curves are used",
                    "client_authentication", "clients are authenticated by their AnyTLS password only",
                    "client_certificate", "clients are authenticated by their AnyTLS password only",
                    "client_certificate_path", "clients are authenticated by their AnyTLS password only",
                    "client_certificate_public_key_sha256", "clients are authenticated by their AnyTLS "
                            + "password only"));

    private final List<ConfigProblem> warnings;

    SingBoxKeys(List<ConfigProblem> warnings) {
        this.warnings = requireNonNull(warnings, "warnings");
    }

    private static Map<String, String> dialFields() {
        return Map.ofEntries(
                Map.entry("detour", "connections to the server go out directly"),
                Map.entry("bind_interface", DIAL),
                Map.entry("inet4_bind_address", DIAL),
                Map.entry("inet6_bind_address", DIAL),
                Map.entry("bind_address_no_port", DIAL),
                Map.entry("routing_mark", DIAL),
                Map.entry("reuse_addr", DIAL),
                Map.entry("netns", DIAL),
                Map.entry("tcp_fast_open", DIAL),
                Map.entry("tcp_multi_path", DIAL),
                Map.entry("disable_tcp_keep_alive", DIAL),
                Map.entry("tcp_keep_alive", DIAL),
                Map.entry("tcp_keep_alive_interval", DIAL),
                Map.entry("udp_fragment", DIAL),
                Map.entry("domain_resolver", DIAL),
                Map.entry("domain_strategy", DIAL),
                Map.entry("network_strategy", DIAL),
                Map.entry("network_type", DIAL),
                Map.entry("fallback_network_type", DIAL),
                Map.entry("fallback_delay", DIAL));
    }

    /** A top-level key: true (and a warning) when it is one of sing-box's that anytls4j ignores. */
    boolean topLevel(ConfigValue value, String key) {
        return new Scope("").ignored(value, key, key);
    }

    /** The scope of the top-level block {@code name} ({@code log}, {@code admin}, ...). */
    Scope block(String name) {
        return new Scope(name);
    }

    /** The scope of an outbound block. */
    Scope outbound() {
        return new Scope("outbound");
    }

    /** The scope of an inbound block. */
    Scope inbound() {
        return new Scope("inbound");
    }

    /** Where in sing-box's schema a block is. */
    final class Scope {
        private final String name;

        private Scope(String name) {
            this.name = name;
        }

        /**
         * @param path the full key, for the message
         * @param key  the key within this scope
         * @return true, with a warning recorded, when sing-box has {@code key} here and anytls4j ignores it
         */
        boolean ignored(ConfigValue value, String path, String key) {
            String meaning = IGNORED.getOrDefault(name, Map.of()).get(key);
            if (meaning == null) {
                return false;
            }
            warnings.add(ConfigProblem.at(value.origin(), path, "sing-box key ignored: " + meaning));
            return true;
        }

        /** The scope of the object under {@code key}. */
        Scope nested(String key) {
            return new Scope(name.isEmpty() ? key : name + "." + key);
        }
    }
}
