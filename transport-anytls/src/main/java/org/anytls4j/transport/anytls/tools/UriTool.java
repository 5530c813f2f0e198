package org.anytls4j.transport.anytls.tools;

import io.netty.util.NetUtil;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.io.File;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.anytls4j.api.Tool;

/**
 * {@code anytls4j uri}: converts between {@code anytls://} share links (PROTOCOL.md section 16) and outbound
 * blocks of the configuration.
 *
 * <pre>
 * uri import LINK                 prints the HOCON outbound block for LINK
 * uri export -c FILE [--tag T]    prints the link of the anytls outbound (tagged T) in FILE
 * </pre>
 *
 * <p>The printed block and link contain the password: they are meant for the operator's terminal.
 *
 * <h2>Threading</h2>
 * Runs on the launcher's thread; reads the file synchronously.
 */
public final class UriTool implements Tool {
    private static final String USAGE = "usage: uri import LINK | uri export -c FILE [--tag TAG]";

    @Override
    public String name() {
        return "uri";
    }

    @Override
    public String description() {
        return "convert anytls:// links to and from outbound blocks (import LINK | export -c FILE [--tag T])";
    }

    @Override
    public int run(List<String> args, PrintWriter out, PrintWriter err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.println(USAGE);
            out.println(description());
            return 0;
        }
        if (args.isEmpty()) {
            err.println(USAGE);
            return 2;
        }
        try {
            switch (args.get(0)) {
                case "import" -> {
                    if (args.size() != 2) {
                        err.println(USAGE);
                        return 2;
                    }
                    out.println(toHocon(AnytlsUri.parse(args.get(1))));
                    return 0;
                }
                case "export" -> {
                    return export(args.subList(1, args.size()), out, err);
                }
                default -> {
                    err.println(USAGE);
                    return 2;
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("uri: " + e.getMessage());
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The outbound block of {@code uri}, in HOCON. */
    public static String toHocon(AnytlsUri uri) {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  type = anytls\n");
        sb.append("  tag = ").append(quote(uri.tag() != null && !uri.tag().isEmpty() ? uri.tag() : "anytls"))
                .append('\n');
        sb.append("  server = ").append(quote(uri.host())).append('\n');
        sb.append("  server_port = ").append(uri.port()).append('\n');
        sb.append("  password = ").append(quote(uri.password())).append('\n');
        sb.append("  tls {\n    enabled = true\n");
        if (uri.sni() != null) {
            sb.append("    server_name = ").append(quote(uri.sni())).append('\n');
        }
        if (uri.insecure()) {
            sb.append("    insecure = true\n");
        }
        String name = uri.sni() != null ? uri.sni() : uri.host();
        if (!uri.insecure() && (NetUtil.isValidIpV4Address(name) || NetUtil.isValidIpV6Address(name))) {
            // an anytls:// link cannot carry a pin, and a public CA rarely certifies an IP: say what is missing
            sb.append("    # '").append(name).append("' is an IP address: add the server's pin,\n")
                    .append("    # certificate_public_key_sha256 = \"...\" (its log prints it), or insecure = true\n");
        }
        sb.append("  }\n}");
        return sb.toString();
    }

    private static int export(List<String> args, PrintWriter out, PrintWriter err) {
        String file = null;
        String tag = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if ((arg.equals("-c") || arg.equals("--config")) && i + 1 < args.size()) {
                file = args.get(++i);
            } else if (arg.equals("--tag") && i + 1 < args.size()) {
                tag = args.get(++i);
            } else {
                err.println(USAGE);
                return 2;
            }
        }
        if (file == null) {
            err.println(USAGE);
            return 2;
        }
        Config config;
        try {
            config = ConfigFactory.parseFile(new File(file), com.typesafe.config.ConfigParseOptions.defaults()
                    .setAllowMissing(false)).resolve();
        } catch (ConfigException e) {
            err.println("uri: " + e.getMessage());
            return 1;
        }
        List<Config> matches = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        if (config.hasPath("outbounds")) {
            for (Config outbound : config.getConfigList("outbounds")) {
                if (outbound.hasPath("type") && outbound.getString("type").equals("anytls")) {
                    String t = outbound.hasPath("tag") ? outbound.getString("tag") : "";
                    tags.add(t);
                    if (tag == null || tag.equals(t)) {
                        matches.add(outbound);
                    }
                }
            }
        }
        if (matches.size() != 1) {
            err.println("uri: " + (matches.isEmpty() ? "no anytls outbound" : "several anytls outbounds")
                    + (tag == null ? "" : " with tag '" + tag + "'") + " in " + file + "; anytls tags: " + tags
                    + (matches.size() > 1 ? " (choose one with --tag)" : ""));
            return 1;
        }
        out.println(fromOutbound(matches.get(0)).format());
        return 0;
    }

    /** The link of an anytls outbound block. */
    public static AnytlsUri fromOutbound(Config outbound) {
        for (String key : List.of("server", "password")) {
            if (!outbound.hasPath(key)) {
                throw new IllegalArgumentException("the outbound has no " + key);
            }
        }
        String server = outbound.getString("server");
        if (server.startsWith("[") && server.endsWith("]")) {
            server = server.substring(1, server.length() - 1);
        }
        int port = outbound.hasPath("server_port") ? outbound.getInt("server_port") : 443;
        String sni = outbound.hasPath("tls.server_name") && !outbound.getString("tls.server_name").isEmpty()
                ? outbound.getString("tls.server_name") : null;
        boolean insecure = outbound.hasPath("tls.insecure") && outbound.getBoolean("tls.insecure");
        String tag = outbound.hasPath("tag") ? outbound.getString("tag") : null;
        return new AnytlsUri(outbound.getString("password"), server, port, sni, insecure, tag);
    }

    private static String quote(String s) {
        return ConfigValueFactory.fromAnyRef(s).render(ConfigRenderOptions.concise());
    }
}
