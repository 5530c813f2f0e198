package org.anytls4j.api;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.ConfigOrigin;

/**
 * A value in a settings block is missing, of the wrong type or out of range. Factories throw it (or any
 * {@link com.typesafe.config.ConfigException}) from {@code create}; the host prefixes the block's path, so the
 * operator reads file, line and the full key, e.g.
 * {@code client.conf:12: outbounds[0].min_idle_session: must be >= 0, was -1}.
 */
@Stable
public final class InvalidSettingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ConfigOrigin origin;
    private final String key;
    private final String problem;

    /**
     * @param origin  where the value came from ({@code config.getValue(key).origin()}), or null if unknown
     * @param key     the key relative to the block the factory was given, e.g. {@code tls.server_name}
     * @param problem what is wrong, naming the limit: {@code must be >= 0, was -1}
     */
    public InvalidSettingException(ConfigOrigin origin, String key, String problem) {
        super(key + ": " + problem);
        this.origin = origin;
        this.key = requireNonNull(key, "key");
        this.problem = requireNonNull(problem, "problem");
    }

    /** Where the value came from, or null. */
    public ConfigOrigin origin() {
        return origin;
    }

    /** The key, relative to the block the factory was given. */
    public String key() {
        return key;
    }

    /** What is wrong with it. */
    public String problem() {
        return problem;
    }
}
