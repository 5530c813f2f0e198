package org.anytls4j.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;

/**
 * Builds an outbound block the way the host does before it calls {@code SessionPool.create}: the user's keys,
 * falling back on the pool's defaults ({@code anytls4j.pool} in core's {@code anytls4j-pool.conf}) and on the
 * defaults of every pool policy and session monitor whose {@code reference.conf} is on the class path
 * ({@code anytls4j.pool-policy.*}, {@code anytls4j.session-monitor.*}).
 *
 * <p>Core's own tests see only core's defaults; a plugin's tests see that plugin's too.
 */
public final class PoolConfigs {
    private PoolConfigs() {
    }

    /** {@code hocon} (an outbound block, e.g. {@code "min_idle_session = 3"}) with every default applied. */
    public static Config outbound(String hocon) {
        return withDefaults(ConfigFactory.parseString(hocon));
    }

    /** {@code block} with every default applied. */
    public static Config withDefaults(Config block) {
        Config merged = block;
        Config pool = ConfigFactory.parseResources("anytls4j-pool.conf");
        if (pool.hasPath("anytls4j.pool")) {
            merged = merged.withFallback(pool.getConfig("anytls4j.pool"));
        }
        Config reference = ConfigFactory.parseResources("reference.conf");
        for (String kind : new String[] {"anytls4j.pool-policy", "anytls4j.session-monitor"}) {
            if (!reference.hasPath(kind)) {
                continue;
            }
            ConfigObject plugins = reference.getObject(kind);
            for (String name : plugins.keySet()) {
                merged = merged.withFallback(reference.getConfig(kind).getConfig('"' + name + '"'));
            }
        }
        return merged.resolve();
    }
}
