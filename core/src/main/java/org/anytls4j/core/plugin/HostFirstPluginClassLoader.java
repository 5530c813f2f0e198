package org.anytls4j.core.plugin;

import java.util.List;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

/**
 * A plugin's class loader that takes the packages the host shares with every plugin (the SPI, SLF4J, Netty,
 * typesafe-config, Micrometer, BouncyCastle, SnakeYAML) from the host, and everything else from the plugin first. Core
 * itself uses neither BouncyCastle nor SnakeYAML: the distribution puts them on the host's class path for the anytls
 * transport, which loads BouncyCastle only to generate a certificate or read a legacy PEM key, and SnakeYAML only for
 * {@code import mihomo}.
 *
 * <p>Why: a plugin that bundled its own copy of {@code org.anytls4j.api} would see a different
 * {@code AnytlsPlugin} class from the host's and contribute nothing; two copies of Netty would not share event
 * loops. Other libraries a plugin bundles stay private to it, as PF4J intends.
 *
 * <h2>Threading and lifecycle</h2>
 * Thread-safe, as every {@link ClassLoader}. Created by {@link AnytlsPluginManager} when a plugin loads and closed by
 * PF4J when it unloads.
 */
final class HostFirstPluginClassLoader extends PluginClassLoader {
    /** Package prefixes loaded parent-first; a plugin must declare the matching dependencies {@code provided}. */
    static final List<String> HOST_PACKAGES = List.of(
            "org.anytls4j.api.", "org.slf4j.", "io.netty.", "com.typesafe.config.", "io.micrometer.",
            "org.bouncycastle.", "org.yaml.snakeyaml.");

    static {
        ClassLoader.registerAsParallelCapable();
    }

    HostFirstPluginClassLoader(PluginManager pluginManager, PluginDescriptor descriptor, ClassLoader host) {
        super(pluginManager, descriptor, host);
    }

    static boolean isHostPackage(String className) {
        for (String prefix : HOST_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Class<?> loadClass(String className) throws ClassNotFoundException {
        if (isHostPackage(className)) {
            return getParent().loadClass(className);
        }
        return super.loadClass(className);
    }
}
