package org.anytls4j.core.plugin;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;

/**
 * Resolves {@code include "x.conf"} in a plugin's {@code reference.conf} against the plugin's own jar or classes
 * (never the host's class path), so that a plugin can split its defaults into several files as
 * {@code transport-anytls} does. typesafe-config's default resolution of a relative include inside a {@code jar:}
 * URL finds nothing, and a missing include is silently ignored, which would leave the plugin's keys undeclared.
 *
 * <p>Stateless apart from the loader; thread-safe.
 */
final class PluginResourceIncluder implements ConfigIncluder, ConfigIncluderClasspath, ConfigIncluderURL,
        ConfigIncluderFile {
    private final URLClassLoader loader;

    PluginResourceIncluder(URLClassLoader loader) {
        this.loader = requireNonNull(loader, "loader");
    }

    /** Parse options for a plugin's reference files: this includer and the plugin's class loader. */
    ConfigParseOptions options() {
        return ConfigParseOptions.defaults().setIncluder(this).setClassLoader(loader);
    }

    /** Parses {@code url} (one of the plugin's resources) with includes resolved against the plugin. */
    ConfigObject parse(URL url) {
        return ConfigFactory.parseURL(url, options()).root();
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
        return this;
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
        return includeResources(context, what);
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
        URL url = loader.findResource(what.startsWith("/") ? what.substring(1) : what);
        return url == null ? ConfigFactory.empty().root() : parse(url);
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
        return ConfigFactory.parseURL(what, options()).root();
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
        return ConfigFactory.parseFile(what, options()).root();
    }
}
