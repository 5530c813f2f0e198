package org.anytls4j.core.cli;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.anytls4j.api.ApiVersion;
import org.anytls4j.core.plugin.InstalledPlugin;
import org.anytls4j.core.plugin.PluginContributions;
import org.anytls4j.core.plugin.PluginStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code anytls4j plugins}: one line per installed plugin, {@code id@version}, its status and what it contributes
 * (or why it is not started). {@code anytls4j plugins --describe ID}: one plugin in full, its id, version, API
 * requirement ({@code Plugin-Requires}), state, each contribution, and every key of its {@code reference.conf}
 * with its default and the comment above it, in the file's order.
 */
@Command(mixinStandardHelpOptions = true, name = "plugins", description = "List installed plugins, their state and what they contribute.")
final class PluginsCommand implements Callable<Integer> {
    private static final ConfigRenderOptions ONE_LINE = ConfigRenderOptions.concise().setJson(false);

    private final Launcher launcher;

    @Spec
    CommandSpec spec;

    @Option(names = "--describe", paramLabel = "ID",
            description = "Describe one plugin: version, API requirement, state, contributions, and its keys with "
                    + "their defaults and meanings (from its reference.conf).")
    String describe;

    PluginsCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() {
        if (describe != null) {
            return describe(describe);
        }
        var out = spec.commandLine().getOut();
        out.println("plugins (" + launcher.location() + "):");
        int width = launcher.contributions().plugins().stream().mapToInt(p -> p.label().length()).max().orElse(0);
        for (InstalledPlugin plugin : launcher.contributions().plugins()) {
            String detail = plugin.status() == PluginStatus.STARTED ? plugin.contributionsText() : plugin.problem();
            out.printf("  %-" + width + "s  %-8s  %s%n", plugin.label(), plugin.status().label(), detail);
        }
        out.flush();
        if (launcher.contributions().plugins().stream()
                .allMatch(p -> p.id().equals(PluginContributions.CORE_PLUGIN_ID))) {
            var err = spec.commandLine().getErr();
            err.println("no plugin in " + launcher.location() + ": the anytls transport and the pool policies are "
                    + "plugin jars in the installation's plugins/ directory (bin/anytls4j sets ANYTLS4J_HOME to the "
                    + "installation; --plugins-dir DIR names another)");
            err.flush();
        }
        return ExitCodes.OK;
    }

    private int describe(String id) {
        List<InstalledPlugin> installed = launcher.contributions().plugins();
        Optional<InstalledPlugin> found = installed.stream().filter(p -> p.id().equals(id)).findFirst();
        if (found.isEmpty()) {
            var err = spec.commandLine().getErr();
            err.println("no plugin '" + id + "'; installed: " + installed.stream().map(InstalledPlugin::id).toList());
            err.flush();
            return ExitCodes.INVALID;
        }
        InstalledPlugin plugin = found.get();
        PrintWriter out = spec.commandLine().getOut();
        out.println("plugin " + plugin.id());
        out.println("  version:      " + plugin.version());
        out.println("  requires:     " + launcher.pluginRequires(plugin.id()).map(range -> "API " + range)
                .orElse("built in") + " (host API " + ApiVersion.API + ")");
        out.println("  state:        " + plugin.status().label()
                + (plugin.problem().isEmpty() ? "" : " (" + plugin.problem() + ")"));
        if (!plugin.description().isEmpty()) {
            out.println("  description:  " + plugin.description());
        }
        out.println("  contributes:" + (plugin.contributions().isEmpty() ? " nothing" : ""));
        plugin.contributions().forEach((kind, names) -> names.forEach(name ->
                out.println("    " + kind.label() + " " + name)));
        if (plugin.status() != PluginStatus.STARTED) {
            out.println("  keys: none (not started)");
        } else {
            List<Key> keys = new ArrayList<>();
            collect("", plugin.reference().root(), keys);
            keys.sort(Comparator.comparing(Key::file).thenComparingInt(Key::line));
            out.println("  keys (reference.conf):" + (keys.isEmpty() ? " none" : ""));
            for (Key key : keys) {
                out.println("    " + key.path() + " = " + key.value());
                key.comments().forEach(comment -> out.println("        " + comment.strip()));
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** One leaf of a reference.conf (a value or an empty object), where it is written and the comment above it. */
    private record Key(String path, String value, List<String> comments, String file, int line) {
    }

    private static void collect(String prefix, ConfigObject object, List<Key> keys) {
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
            String path = prefix + quoted(entry.getKey());
            ConfigValue value = entry.getValue();
            if (value.valueType() == ConfigValueType.OBJECT && !((ConfigObject) value).isEmpty()) {
                collect(path + ".", (ConfigObject) value, keys);
                continue;
            }
            ConfigOrigin origin = value.origin();
            keys.add(new Key(path, render(value), origin.comments(),
                    Objects.toString(origin.filename() != null ? origin.filename() : origin.url(), ""),
                    origin.lineNumber()));
        }
    }

    /** The value as an operator would write it: {@code 30s}, {@code 8}, {@code null}, {@code "a b"}, {@code []}. */
    private static String render(ConfigValue value) {
        if (value.valueType() == ConfigValueType.STRING) {
            String text = (String) value.unwrapped();
            if (text.matches("[A-Za-z0-9_./-]+")) {
                return text;
            }
        }
        return value.render(ONE_LINE);
    }

    /** A path element as HOCON writes it: quoted when it has a dot or other special character. */
    private static String quoted(String key) {
        return key.matches("[A-Za-z0-9_-]+") ? key : "\"" + key.replace("\"", "\\\"") + "\"";
    }
}
