package org.anytls4j.transport.anytls.tools;

import com.typesafe.config.ConfigUtil;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.anytls4j.api.ConfigImporter;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Converts the {@code type: anytls} entries of a mihomo (Clash.Meta) file's {@code proxies:} into anytls4j outbound
 * blocks (sing-box's shape, HOCON), as {@code anytls4j import mihomo FILE} prints them. {@code --proxy ENTRY} takes
 * one entry as mihomo writes it under {@code proxies:} (block or flow style) instead of a file, and a file may also
 * hold just one entry or a list of them:
 * <pre>
 * name                        → tag
 * server, port                → server, server_port
 * password                    → password
 * sni                         → tls.server_name
 * skip-cert-verify            → tls.insecure
 * alpn                        → tls.alpn
 * idle-session-check-interval → idle_session_check_interval (mihomo's seconds → a duration, 30 → 30s)
 * idle-session-timeout        → idle_session_timeout (seconds → a duration)
 * min-idle-session            → min_idle_session
 * udp                         → nothing: anytls4j always offers UDP over TCP (a warning when false)
 * </pre>
 * Every other key of an anytls entry ({@code client-fingerprint}, {@code fingerprint}, {@code tfo}, ...) is left out
 * with a warning that says what that means. Entries of other types are listed as skipped; {@code proxy-groups} and
 * {@code rules} are not converted (anytls4j sends each inbound's traffic to its outbound).
 *
 * <p>The file is read with SnakeYAML's safe loader (no object construction), composed into nodes so that every
 * warning names the file and the line. SnakeYAML is on the host's class path (the distribution's lib/, shared with
 * plugins by the host's class loader); only this importer loads it, when {@code import mihomo} runs.
 *
 * <h2>Threading</h2>
 * Stateless and thread-safe.
 */
public final class MihomoImporter implements ConfigImporter {
    /** The format name: {@code anytls4j import mihomo}. */
    public static final String FORMAT = "mihomo";

    /** Keys of an anytls entry converted one to one, mihomo's name to ours. */
    private static final Map<String, String> CONVERTED = Map.of(
            "sni", "tls.server_name", "skip-cert-verify", "tls.insecure", "alpn", "tls.alpn",
            "idle-session-check-interval", "idle_session_check_interval",
            "idle-session-timeout", "idle_session_timeout", "min-idle-session", "min_idle_session");
    private static final Set<String> READ = Set.of("name", "type", "server", "port", "password", "udp");
    /** What leaving out a mihomo key means, for the keys an operator would miss. */
    private static final Map<String, String> LEFT_OUT = Map.of(
            "client-fingerprint", "anytls4j's TLS ClientHello is its TLS engine's own (no uTLS browser fingerprint)",
            "fingerprint", "mihomo pins the certificate's SHA-256; anytls4j pins its public key: set"
                    + " tls.certificate_public_key_sha256 (the server's log prints it)",
            "tfo", "TCP Fast Open is not used",
            "dialer-proxy", "anytls4j dials the server directly",
            "ech-opts", "ECH is not supported");

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "'type: anytls' proxies of a Clash.Meta file or entry, as outbounds";
    }

    /**
     * Converts a mihomo configuration ({@code proxies:}), a list of proxy entries or one entry, block or flow style
     * ({@code {name: a, type: anytls, server: example.com, port: 443, password: p}}).
     *
     * @param where  what messages name as the source ({@code FILE}); lines are appended to it
     * @param origin what the output's first comment names
     */
    @Override
    public Result convert(String where, String origin, Reader reader) throws ImportException {
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            root = new Yaml(options).compose(reader);
        } catch (MarkedYAMLException e) {
            throw new ImportException(where + ":" + (e.getProblemMark().getLine() + 1) + ": not valid YAML: "
                    + e.getProblem());
        } catch (YAMLException e) {
            throw new ImportException(where + ": not valid YAML: " + e.getMessage());
        }
        // A whole configuration has 'proxies:'; a pasted entry is one mapping with 'type:', or a list of them.
        List<Node> entries;
        if (root instanceof MappingNode top && value(top, "proxies").isPresent()) {
            if (!(value(top, "proxies").get() instanceof SequenceNode list)) {
                throw new ImportException(where + ": 'proxies:' is not a list; nothing to import");
            }
            entries = list.getValue();
        } else if (root instanceof MappingNode single && value(single, "type").isPresent()) {
            entries = List.of(single);
        } else if (root instanceof SequenceNode list) {
            entries = list.getValue();
        } else {
            throw new ImportException(where + ": not a mihomo configuration or proxy entry: expected a mapping"
                    + " with 'proxies:', or a proxy with 'type: anytls'");
        }
        List<String> warnings = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        int converted = 0;
        for (Node item : entries) {
            String at = where + ":" + line(item);
            if (!(item instanceof MappingNode proxy)) {
                warnings.add(at + ": a proxy that is not a mapping; skipped");
                continue;
            }
            Map<String, Node> keys = keys(proxy);
            String name = scalar(keys.get("name")).orElse("(unnamed at line " + line(item) + ")");
            String type = scalar(keys.get("type")).orElse("");
            if (!type.equals("anytls")) {
                skipped.add("'" + name + "' (" + (type.isEmpty() ? "no type" : type) + ")");
                continue;
            }
            converted++;
            outbound(out, where, name, keys, warnings);
        }
        if (converted == 0) {
            throw new ImportException(where + ": no proxy of type anytls" + (skipped.isEmpty() ? ""
                    : " (skipped: " + String.join(", ", skipped) + ")"));
        }
        StringBuilder config = new StringBuilder()
                .append("# anytls4j outbounds converted from ").append(origin)
                .append(" by `anytls4j import mihomo`.\n")
                .append("# mihomo's proxy-groups and rules are not converted: each inbound sends its traffic to")
                .append(" one outbound.\n")
                .append("outbounds = [\n").append(out).append("]\n");
        return new Result(config.toString(), warnings, skipped);
    }

    private static void outbound(StringBuilder out, String source, String name, Map<String, Node> keys,
            List<String> warnings) {
        String where = source + ":";
        Map<String, String> top = new LinkedHashMap<>();
        Map<String, String> tls = new LinkedHashMap<>();
        top.put("type", "anytls");
        top.put("tag", quote(name));
        for (String required : List.of("server", "port", "password")) {
            if (!keys.containsKey(required)) {
                warnings.add(where + line(keys.get("name")) + ": proxy '" + name + "': no '" + required
                        + "'; `check` will ask for it");
            }
        }
        scalar(keys.get("server")).ifPresent(v -> top.put("server", quote(v)));
        scalar(keys.get("port")).ifPresent(v -> top.put("server_port", number(v,
                where + line(keys.get("port")) + ": proxy '" + name + "': 'port'", warnings)));
        scalar(keys.get("password")).ifPresent(v -> top.put("password", quote(v)));
        for (Map.Entry<String, Node> e : keys.entrySet()) {
            String key = e.getKey();
            Node node = e.getValue();
            String at = where + line(node) + ": proxy '" + name + "': ";
            if (READ.contains(key)) {
                if (key.equals("udp") && scalar(node).filter("false"::equals).isPresent()) {
                    warnings.add(at + "'udp: false' has no equivalent: anytls4j always offers UDP over TCP");
                }
                continue;
            }
            String ours = CONVERTED.get(key);
            if (ours == null) {
                String why = LEFT_OUT.getOrDefault(key, "no equivalent in anytls4j");
                warnings.add(at + "'" + key + "' not converted: " + why);
                continue;
            }
            String value = switch (key) {
                case "alpn" -> list(node);
                case "skip-cert-verify" -> scalar(node).map(v -> v.equals("true") ? "true" : "false").orElse(null);
                case "min-idle-session" -> scalar(node).map(v -> number(v, at + "'" + key + "'", warnings))
                        .orElse(null);
                case "idle-session-check-interval", "idle-session-timeout" -> scalar(node)
                        .map(v -> seconds(v, at + "'" + key + "'", warnings)).orElse(null);
                default -> scalar(node).map(MihomoImporter::quote).orElse(null);
            };
            if (value == null) {
                warnings.add(at + "'" + key + "' has no usable value; not converted");
            } else if (ours.startsWith("tls.")) {
                tls.put(ours.substring(4), value);
            } else {
                top.put(ours, value);
            }
        }
        boolean ipServer = scalar(keys.get("server")).filter(v -> v.matches("[0-9.]+|.*:.*")).isPresent();
        if (ipServer && !tls.containsKey("server_name") && !"true".equals(tls.get("insecure"))) {
            warnings.add(where + line(keys.get("server")) + ": proxy '" + name + "': the server is an IP address"
                    + " with neither 'sni' nor 'skip-cert-verify': add tls.certificate_public_key_sha256 (the"
                    + " server's pin) or tls.server_name, or `check` refuses the block");
        }
        out.append("  {\n");
        top.forEach((k, v) -> out.append("    ").append(k).append(" = ").append(v).append('\n'));
        if (!tls.isEmpty()) {
            out.append("    tls {\n");
            tls.forEach((k, v) -> out.append("      ").append(k).append(" = ").append(v).append('\n'));
            out.append("    }\n");
        }
        out.append("  }\n");
    }

    /** mihomo's whole seconds ({@code 30}) as a duration ({@code 30s}); a value with a unit is kept. */
    private static String seconds(String value, String at, List<String> warnings) {
        if (value.matches("\\d+")) {
            return value + "s";
        }
        if (value.matches("[0-9.]+(ns|us|ms|s|m|h)([0-9.]+(ns|us|ms|s|m|h))*")) {
            return value;
        }
        warnings.add(at + " is '" + value + "', not a number of seconds; not converted");
        return null;
    }

    private static String number(String value, String at, List<String> warnings) {
        if (value.matches("\\d+")) {
            return value;
        }
        warnings.add(at + " is '" + value + "', not a whole number; kept as text for `check` to report");
        return quote(value);
    }

    private static String list(Node node) {
        if (node instanceof SequenceNode seq) {
            List<String> items = new ArrayList<>();
            for (Node item : seq.getValue()) {
                scalar(item).ifPresent(v -> items.add(quote(v)));
            }
            return "[" + String.join(", ", items) + "]";
        }
        return scalar(node).map(v -> "[" + quote(v) + "]").orElse(null);
    }

    private static Map<String, Node> keys(MappingNode mapping) {
        Map<String, Node> keys = new LinkedHashMap<>();
        for (NodeTuple t : mapping.getValue()) {
            scalar(t.getKeyNode()).ifPresent(k -> keys.put(k, t.getValueNode()));
        }
        return keys;
    }

    private static Optional<Node> value(MappingNode mapping, String key) {
        return Optional.ofNullable(keys(mapping).get(key));
    }

    private static Optional<String> scalar(Node node) {
        return node instanceof ScalarNode s && !s.getTag().getValue().endsWith(":null")
                ? Optional.of(s.getValue()) : Optional.empty();
    }

    private static int line(Node node) {
        return node == null ? 0 : node.getStartMark().getLine() + 1;
    }

    /** A HOCON quoted string. */
    private static String quote(String s) {
        return ConfigUtil.quoteString(s);
    }
}
