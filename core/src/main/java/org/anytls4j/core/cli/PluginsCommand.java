package org.anytls4j.core.cli;

import java.util.concurrent.Callable;
import org.anytls4j.core.plugin.InstalledPlugin;
import org.anytls4j.core.plugin.PluginContributions;
import org.anytls4j.core.plugin.PluginStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code anytls4j plugins}: one line per installed plugin, {@code id@version}, its status and what it contributes
 * (or why it is not started).
 */
@Command(mixinStandardHelpOptions = true, name = "plugins", description = "List installed plugins, their state and what they contribute.")
final class PluginsCommand implements Callable<Integer> {
    private final Launcher launcher;

    @Spec
    CommandSpec spec;

    PluginsCommand(Launcher launcher) {
        this.launcher = launcher;
    }

    @Override
    public Integer call() {
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
}
