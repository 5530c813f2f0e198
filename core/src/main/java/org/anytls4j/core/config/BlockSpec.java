package org.anytls4j.core.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigOrigin;

/**
 * One validated {@code inbounds} or {@code outbounds} item, ready to hand to its factory.
 *
 * @param path     the item's full key, e.g. {@code outbounds[0]}, to prefix the factory's errors with
 * @param type     its {@code type}
 * @param tag      its {@code tag}
 * @param settings the operator's block with every default of its type applied
 * @param origin   where the block starts
 */
public record BlockSpec(String path, String type, String tag, Config settings, ConfigOrigin origin) {
    public BlockSpec {
        requireNonNull(path, "path");
        requireNonNull(type, "type");
        requireNonNull(tag, "tag");
        requireNonNull(settings, "settings");
    }
}
