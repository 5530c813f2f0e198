package org.anytls4j.core.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.util.List;

/**
 * A configuration whose keys, types and names all check out: what the runtime builds from.
 *
 * @param source    where it came from, for messages
 * @param full      the merged, resolved tree (overrides, operator, defaults)
 * @param logLevel  {@code log.level}, one of {@link ConfigValidator#LOG_LEVELS}
 * @param outbounds the outbounds in file order
 * @param inbounds  the inbounds in file order
 * @param warnings  what was accepted but is ignored (sing-box keys anytls4j does not implement), already logged
 */
public record ValidatedConfig(String source, Config full, String logLevel, List<BlockSpec> outbounds,
                              List<BlockSpec> inbounds, List<ConfigProblem> warnings) {
    public ValidatedConfig {
        requireNonNull(source, "source");
        requireNonNull(full, "full");
        requireNonNull(logLevel, "logLevel");
        outbounds = List.copyOf(outbounds);
        inbounds = List.copyOf(inbounds);
        warnings = List.copyOf(warnings);
    }

    /** The plugin's own block {@code plugins.<id>}, defaults applied; empty when it has none. */
    public Config pluginConfig(String pluginId) {
        String path = "plugins.\"" + pluginId + "\"";
        return full.hasPath(path) ? full.getConfig(path) : com.typesafe.config.ConfigFactory.empty();
    }
}
