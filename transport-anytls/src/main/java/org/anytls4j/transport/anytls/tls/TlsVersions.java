package org.anytls4j.transport.anytls.tls;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import org.anytls4j.api.InvalidSettingException;

/**
 * The {@code min_version} / {@code max_version} pair of a {@code tls} block (sing-box names), for the client and
 * the server alike.
 *
 * <p>A version is {@code "1.0"}, {@code "1.1"}, {@code "1.2"} or {@code "1.3"}; null or an empty string (as
 * sing-box JSON writes an unset one) leaves that bound to the engine's default range, 1.2 to 1.3.
 */
final class TlsVersions {
    private static final List<String> VERSIONS = List.of("1.0", "1.1", "1.2", "1.3");
    private static final String DEFAULT_MIN = "1.2";

    private TlsVersions() {
    }

    /**
     * The TLS protocol names ({@code TLSv1.2}, ...) the block allows, lowest first.
     *
     * @param tls    the block, defaults applied
     * @param prefix the key prefix for errors, e.g. {@code tls.}
     * @return the protocols from min to max, or empty when neither bound is set (the engine's default)
     * @throws InvalidSettingException naming {@code min_version} or {@code max_version} for an unknown version,
     *                                 or {@code max_version} when it is below the minimum
     */
    static List<String> protocols(Config tls, String prefix) {
        String min = version(tls, "min_version", prefix);
        String max = version(tls, "max_version", prefix);
        if (min == null && max == null) {
            return List.of();
        }
        int from = VERSIONS.indexOf(min == null ? DEFAULT_MIN : min);
        int to = max == null ? VERSIONS.size() - 1 : VERSIONS.indexOf(max);
        if (from > to) { // only a set max_version can be below the minimum
            throw new InvalidSettingException(tls.getValue("max_version").origin(), prefix + "max_version",
                    "must not be below min_version " + VERSIONS.get(from) + (min == null ? " (the default)" : "")
                            + ", was " + max);
        }
        List<String> protocols = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            protocols.add("TLSv" + VERSIONS.get(i));
        }
        return List.copyOf(protocols);
    }

    private static String version(Config tls, String key, String prefix) {
        if (!tls.hasPath(key) || tls.getString(key).isEmpty()) {
            return null;
        }
        String value = tls.getString(key);
        if (!VERSIONS.contains(value)) {
            throw new InvalidSettingException(tls.getValue(key).origin(), prefix + key,
                    "must be one of " + VERSIONS + ", was '" + value + "'");
        }
        return value;
    }
}
