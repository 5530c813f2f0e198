package org.anytls4j.core.plugin;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.anytls4j.api.AnytlsPlugin;

/**
 * One plugin as the host sees it after start-up: identity, status, its own defaults and what it contributes.
 *
 * @param id            the {@code Plugin-Id}, or {@code core} for the host's built-in contributions
 * @param version       the {@code Plugin-Version}
 * @param description   the {@code Plugin-Description}, possibly empty
 * @param status        what became of it
 * @param problem       why it is not started, empty when {@link PluginStatus#STARTED}
 * @param classLoader   the plugin's class loader (the host's for {@code core})
 * @param reference     the plugin's own {@code reference.conf}, unresolved; empty when it ships none
 * @param extensions    its {@link AnytlsPlugin} extensions, empty unless started
 */
public record InstalledPlugin(String id, String version, String description, PluginStatus status, String problem,
                              ClassLoader classLoader, Config reference, List<AnytlsPlugin> extensions) {
    public InstalledPlugin {
        requireNonNull(id, "id");
        requireNonNull(version, "version");
        requireNonNull(description, "description");
        requireNonNull(status, "status");
        requireNonNull(problem, "problem");
        requireNonNull(reference, "reference");
        extensions = List.copyOf(extensions);
    }

    /** {@code id@version}, as every plugin log line names it. */
    public String label() {
        return id + "@" + version;
    }

    /** The names this plugin contributes, by kind, kinds without contributions left out. */
    public Map<ContributionKind<?>, List<String>> contributions() {
        Map<ContributionKind<?>, List<String>> byKind = new LinkedHashMap<>();
        for (ContributionKind<?> kind : ContributionKind.ALL) {
            List<String> names = extensions.stream()
                    .flatMap(extension -> kind.listOf(extension).stream())
                    .map(kind::nameOf)
                    .collect(Collectors.toList());
            if (!names.isEmpty()) {
                byKind.put(kind, List.copyOf(names));
            }
        }
        return byKind;
    }

    /** {@code pool-policy [min_idle], tool [padding, uri]}, or {@code nothing}. */
    public String contributionsText() {
        Map<ContributionKind<?>, List<String>> byKind = contributions();
        if (byKind.isEmpty()) {
            return "nothing";
        }
        return byKind.entrySet().stream()
                .map(e -> e.getKey().label() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
