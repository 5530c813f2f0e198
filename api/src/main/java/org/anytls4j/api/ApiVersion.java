package org.anytls4j.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The semantic version of this SPI. The host passes {@link #API} to PF4J as its system version, so a plugin
 * whose {@code Plugin-Requires} excludes it (for example {@code >=3.0.0 & <4.0.0}) is refused at start-up.
 *
 * <p>Rules: a major bump removes or changes a {@link Stable} type; a minor bump adds types, methods with
 * default implementations, accessors, factories and builder setters of value types, constants, or context
 * capabilities (the full list is on {@link Stable}); a patch changes documentation or fixes behaviour.
 */
@Stable
public final class ApiVersion {
    /** The SPI version, e.g. {@code 1.0.0}. */
    public static final String API;
    /** The version of the anytls4j build that contains this SPI, e.g. {@code 0.1.0}. */
    public static final String PRODUCT;

    static {
        Properties properties = new Properties();
        try (InputStream in = ApiVersion.class.getResourceAsStream("api-version.properties")) {
            if (in == null) {
                throw new IllegalStateException("api-version.properties is missing from the API jar");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        API = properties.getProperty("api.version");
        PRODUCT = properties.getProperty("product.version");
    }

    private ApiVersion() {
    }
}
