package org.anytls4j.core.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;

/**
 * A configuration read and resolved, not yet validated.
 *
 * @param source    where it came from (the file name as given), for messages
 * @param user      the operator's own tree, resolved: what key validation looks at
 * @param reference the merged defaults of the host and every started plugin, resolved
 * @param full      overrides, then the operator's tree, then the defaults: what the host and factories read
 */
public record LoadedConfig(String source, Config user, Config reference, Config full) {
    public LoadedConfig {
        requireNonNull(source, "source");
        requireNonNull(user, "user");
        requireNonNull(reference, "reference");
        requireNonNull(full, "full");
    }
}
