package org.anytls4j.core.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the operator's file and merges it over the defaults of the host and every started plugin.
 *
 * <p>The file is {@code -c/--config FILE}, else {@code -Dconfig.file}, else none (an empty configuration). Every
 * file is parsed as HOCON, which reads JSON too, comments included; a YAML file is refused with a pointer. System properties override any key ({@code -Dlog.level=debug});
 * {@code ${?VAR}} substitutions read the environment.
 *
 * <h2>Threading</h2>
 * Stateless; call from the launcher's thread.
 */
public final class ConfigLoader {
    /** The system property typesafe-config uses for the configuration file. */
    public static final String FILE_PROPERTY = "config.file";
    private static final Pattern YAML = Pattern.compile("\\.ya?ml$", Pattern.CASE_INSENSITIVE);

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
        if (chosen.isPresent() && YAML.matcher(chosen.get().getFileName().toString()).find()) {
            throw new InvalidConfigException(List.of(new ConfigProblem(source, "", "a YAML file (mihomo/Clash) is"
                    + " not a configuration anytls4j reads; write the outbound as HOCON or JSON (sing-box's shape:"
                    + " docs/CONFIGURATION.md), or convert its anytls proxies with `anytls4j import mihomo " + source
                    + "`")));
        }
        Config user;
        try {
            // Every file is parsed as HOCON, a superset of JSON: sing-box's JSON files load unchanged, and so do
            // JSON files with // or # comments (sing-box accepts those too), which a strict JSON parser refuses.
            user = chosen
                    .map(path -> ConfigFactory.parseFile(path.toFile(), ConfigParseOptions.defaults()
                            .setAllowMissing(false).setSyntax(ConfigSyntax.CONF)))
                    .orElse(ConfigFactory.empty(source));
        } catch (ConfigException.IO e) {
            throw new InvalidConfigException(List.of(unreadable(chosen.orElseThrow(), e)));
        } catch (ConfigException e) {
            ConfigProblem problem = ConfigProblem.of("", e);
            throw new InvalidConfigException(List.of(new ConfigProblem(problem.location(), problem.key(),
                    problem.problem() + " (parsed as HOCON, which reads JSON with or without comments)")));
        }
        return resolve(source, user, reference);
    }

    /**
     * The file, or a file it includes, that could not be read, in words: typesafe-config says it with Java's
     * exception names ({@code java.io.FileNotFoundException: x (No such file or directory)}) and, for an include not
     * found next to the file, that the class path did not have it either.
     */
    static ConfigProblem unreadable(Path file, ConfigException.IO e) {
        String name = e.origin() == null ? file.toString() : e.origin().description();
        Path missing = name.equals(file.toString()) ? file
                : Optional.ofNullable(file.toAbsolutePath().getParent()).map(dir -> dir.resolve(name)).orElse(null);
        if (missing != null && !Files.exists(missing)) {
            return new ConfigProblem(name, "", name.equals(file.toString()) ? "no such file"
                    : "include required(\"" + name + "\") not found: no such file next to the file that includes it ("
                            + missing + ")");
        }
        if (missing != null && !Files.isReadable(missing)) {
            return new ConfigProblem(name, "", "permission denied: the file cannot be read by this user");
        }
        String message = String.valueOf(e.getMessage());
        if (message.startsWith(name + ": ")) {
            message = message.substring(name.length() + 2);
        }
        return new ConfigProblem(name, "", message.replaceFirst("^java\\.io\\.[A-Za-z]+: ", ""));
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
