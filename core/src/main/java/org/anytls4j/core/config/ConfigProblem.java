package org.anytls4j.core.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import org.anytls4j.api.InvalidSettingException;

/**
 * One thing wrong with a configuration, as the operator reads it:
 * {@code client.conf:12: outbounds[0].min_idle_sesion: unknown key; did you mean 'min_idle_session'?}.
 *
 * @param location {@code file:line}, a URL or a description of where the value came from; empty when unknown
 * @param key      the full key from the root, e.g. {@code outbounds[0].tls.server_name}; empty for the whole file
 * @param problem  what is wrong, naming the limit or the choices
 */
public record ConfigProblem(String location, String key, String problem) implements Comparable<ConfigProblem> {
    public ConfigProblem {
        requireNonNull(location, "location");
        requireNonNull(key, "key");
        requireNonNull(problem, "problem");
    }

    /** A problem with the value at {@code origin} (may be null). */
    public static ConfigProblem at(ConfigOrigin origin, String key, String problem) {
        return new ConfigProblem(locationOf(origin), key, problem);
    }

    /**
     * A problem a factory reported for the block at {@code blockPath}; the exception's key is relative to the block.
     */
    public static ConfigProblem of(String blockPath, InvalidSettingException e) {
        return at(e.origin(), join(blockPath, e.key()), e.problem());
    }

    /**
     * A problem typesafe-config reported while reading the block at {@code blockPath} (or the whole file when
     * empty); its message names the key relative to that block.
     */
    public static ConfigProblem of(String blockPath, ConfigException e) {
        String message = String.valueOf(e.getMessage());
        ConfigOrigin origin = e.origin();
        if (origin != null && message.startsWith(origin.description() + ": ")) {
            message = message.substring(origin.description().length() + 2);
        }
        return at(origin, blockPath, message);
    }

    /** {@code client.conf:12}, the origin's URL or description; empty for null. */
    public static String locationOf(ConfigOrigin origin) {
        if (origin == null) {
            return "";
        }
        if (origin.filename() != null) {
            return origin.lineNumber() > 0 ? origin.filename() + ":" + origin.lineNumber() : origin.filename();
        }
        if (origin.url() != null) {
            return origin.lineNumber() > 0 ? origin.url() + ":" + origin.lineNumber() : origin.url().toString();
        }
        return origin.description();
    }

    static String join(String path, String key) {
        if (path.isEmpty()) {
            return key;
        }
        return key.isEmpty() ? path : path + "." + key;
    }

    @Override
    public int compareTo(ConfigProblem other) {
        return toString().compareTo(other.toString());
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        if (!location.isEmpty()) {
            text.append(location).append(": ");
        }
        if (!key.isEmpty()) {
            text.append(key).append(": ");
        }
        return text.append(problem).toString();
    }
}
