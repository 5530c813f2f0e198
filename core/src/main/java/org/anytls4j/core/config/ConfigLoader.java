package org.anytls4j.core.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads the operator's file and merges it over the defaults of the host and every started plugin.
 *
 * <p>The file is {@code -c/--config FILE}, else {@code -Dconfig.file}, else none (an empty configuration). HOCON and
 * JSON both load (a {@code .json} file is parsed as JSON). System properties override any key ({@code -Dlog.level=debug});
 * {@code ${?VAR}} substitutions read the environment.
 *
 * <h2>Threading</h2>
 * Stateless; call from the launcher's thread.
 */
public final class ConfigLoader {
    /** The system property typesafe-config uses for the configuration file. */
    public static final String FILE_PROPERTY = "config.file";

    private ConfigLoader() {
    }

    /**
     * @param file      the file the operator named, if any
     * @param reference the merged, unresolved defaults ({@code PluginContributions.reference()})
     * @throws InvalidConfigException when the file is missing, cannot be parsed, or a substitution does not resolve
     */
    public static LoadedConfig load(Optional<Path> file, Config reference) {
        requireNonNull(reference, "reference");
        Optional<Path> chosen = file.or(() -> Optional.ofNullable(System.getProperty(FILE_PROPERTY)).map(Path::of));
        String source = chosen.map(Path::toString).orElse("(no configuration file)");
        try {
            Config user = chosen
                    .map(path -> ConfigFactory.parseFile(path.toFile(),
                            ConfigParseOptions.defaults().setAllowMissing(false)))
                    .orElse(ConfigFactory.empty(source));
            return resolve(source, user, reference);
        } catch (ConfigException e) {
            throw new InvalidConfigException(List.of(ConfigProblem.of("", e)));
        }
    }

    /** Merges and resolves an already parsed user tree (used for configurations not read from a file). */
    public static LoadedConfig resolve(String source, Config user, Config reference) {
        try {
            Config full = ConfigFactory.defaultOverrides()
                    .withFallback(user)
                    .withFallback(reference)
                    .resolve();
            // The operator's top-level blocks as resolved in the merged tree: substitutions may point anywhere,
            // and keys the defaults add to a block are valid by definition.
            Config resolvedUser = ConfigFactory.empty(source);
            for (String key : user.root().keySet()) {
                resolvedUser = resolvedUser.withFallback(full.root().withOnlyKey(key));
            }
            Config resolvedReference = reference.resolve(ConfigResolveOptions.defaults().setAllowUnresolved(true));
            return new LoadedConfig(source, resolvedUser, resolvedReference, full);
        } catch (ConfigException e) {
            throw new InvalidConfigException(List.of(ConfigProblem.of("", e)));
        }
    }
}
