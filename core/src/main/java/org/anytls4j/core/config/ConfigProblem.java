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
     * A problem a factory reported for {@code block}. A key the operator did not write (a required key missing from
     * the block, whose only value is a {@code key = null} in a plugin's {@code reference.conf}) is reported at the
     * operator's block rather than inside the plugin's jar: {@code client.conf:5: outbounds[0].password: ...}.
     */
    public static ConfigProblem of(BlockSpec block, InvalidSettingException e) {
        ConfigOrigin origin = e.origin();
        if ((origin == null || isDefault(origin)) && block.origin() != null) {
            origin = block.origin();
        }
        return at(origin, join(block.path(), e.key()), e.problem());
    }

    /** As {@link #of(String, ConfigException)}, reported at the operator's block when it points into a default. */
    public static ConfigProblem of(BlockSpec block, ConfigException e) {
        ConfigProblem problem = of(block.path(), e);
        if ((e.origin() == null || isDefault(e.origin())) && block.origin() != null) {
            return new ConfigProblem(locationOf(block.origin()), problem.key(), problem.problem());
        }
        return problem;
    }

    /** Whether {@code origin} is a default of the host or a plugin (a class-path resource), not the operator's. */
    static boolean isDefault(ConfigOrigin origin) {
        return origin.resource() != null
                || origin.url() != null && "jar".equals(origin.url().getProtocol());
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

    /**
     * What went wrong, in the operator's words and without Java class names: {@code no such file: /etc/x.pem} rather
     * than {@code java.nio.file.NoSuchFileException: /etc/x.pem}. The cause of a wrapper without a message of its
     * own is described instead.
     */
    public static String reason(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        String message = t.getMessage();
        if (t instanceof java.nio.file.NoSuchFileException) {
            return "no such file or directory: " + message;
        }
        if (t instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + message;
        }
        if (t instanceof java.nio.file.FileAlreadyExistsException) {
            return "already exists: " + message;
        }
        if (t instanceof java.nio.file.NotDirectoryException) {
            return "not a directory: " + message;
        }
        if (t instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
            return fs.getFile() + ": " + fs.getReason();
        }
        if (message == null || message.isBlank()) {
            return "an unexpected error (--log-level debug shows its details)";
        }
        return message;
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
