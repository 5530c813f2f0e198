package org.anytls4j.core.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import java.util.Optional;

/**
 * One validated {@code inbounds} or {@code outbounds} item, ready to hand to its factory.
 *
 * @param path     the item's full key, e.g. {@code outbounds[0]}, to prefix the factory's errors with
 * @param type     its {@code type}
 * @param tag      its {@code tag}
 * @param settings the operator's block with every default of its type applied
 * @param origin   where the block starts
 * @param defaults the defaults of its type alone (what {@code settings} falls back to)
 */
public record BlockSpec(String path, String type, String tag, Config settings, ConfigOrigin origin, Config defaults) {
    public BlockSpec {
        requireNonNull(path, "path");
        requireNonNull(type, "type");
        requireNonNull(tag, "tag");
        requireNonNull(settings, "settings");
        requireNonNull(defaults, "defaults");
    }

    /**
     * This block with {@code key} (relative to the block, e.g. {@code tls.server_name}) set back to its default, so
     * that a factory that refused the operator's value can be asked again and report the block's next bad value;
     * empty when the key has no default to set back to (a required key, a key inside a list item), or holds the
     * default already.
     */
    public Optional<BlockSpec> withDefault(String key) {
        try {
            if (!defaults.hasPath(key) || !settings.hasPath(key)
                    || settings.getValue(key).equals(defaults.getValue(key))) {
                return Optional.empty();
            }
            return Optional.of(new BlockSpec(path, type, tag, settings.withValue(key, defaults.getValue(key)), origin,
                    defaults));
        } catch (ConfigException e) {
            return Optional.empty(); // not a path HOCON can address (e.g. users[0].password)
        }
    }
}
