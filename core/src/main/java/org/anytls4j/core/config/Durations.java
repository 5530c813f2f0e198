package org.anytls4j.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.anytls4j.api.GoDurations;

/**
 * Checks and normalises the value of a key declared as a duration.
 *
 * <ul>
 *   <li>A bare number is refused, except 0: typesafe-config would read {@code heartbeat = 30} as 30 milliseconds,
 *       and mihomo users write seconds, so the error shows both readings and the fix.</li>
 *   <li>Every duration Go's {@code time.ParseDuration} accepts is accepted ({@code 1m30s}, {@code 5m0s},
 *       {@code 1.5h}), as sing-box files and this product's own log lines write them; one that typesafe-config cannot
 *       read itself is rewritten as a number of nanoseconds, keeping its origin for later messages.</li>
 *   <li>typesafe-config's own forms ({@code 30 seconds}, {@code 5 minutes}) stay accepted.</li>
 * </ul>
 * Stateless.
 */
final class Durations {
    private static final Pattern BARE_NUMBER = Pattern.compile("\\s*[+-]?\\d+(\\.\\d+)?\\s*");

    private Durations() {
    }

    /**
     * @return the value to use (the same instance, or a normalised one); a problem is added when it is not a
     *     duration
     */
    static ConfigValue check(ConfigValue value, String path, List<ConfigProblem> problems) {
        String text = String.valueOf(value.unwrapped()).strip();
        boolean bare = value.valueType() == ConfigValueType.NUMBER
                || value.valueType() == ConfigValueType.STRING && BARE_NUMBER.matcher(text).matches();
        if (bare) {
            if (new BigDecimal(text).signum() == 0) {
                return value;
            }
            problems.add(ConfigProblem.at(value.origin(), path, "must be a duration with a unit, was the bare number "
                    + text + " (it would be read as " + text + " milliseconds); write " + text + "s for seconds or "
                    + text + "ms for milliseconds"));
            return value;
        }
        if (value.valueType() != ConfigValueType.STRING) {
            problems.add(wrongKind(value, path));
            return value;
        }
        if (readable(value)) {
            return value;
        }
        try {
            Duration parsed = GoDurations.parse(text);
            return ConfigValueFactory.fromAnyRef(parsed.toNanos() + "ns").withOrigin(value.origin());
        } catch (IllegalArgumentException e) {
            problems.add(wrongKind(value, path));
            return value;
        }
    }

    private static boolean readable(ConfigValue value) {
        try {
            Config c = ConfigFactory.empty().withValue("v", value);
            c.getDuration("v");
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }

    private static ConfigProblem wrongKind(ConfigValue value, String path) {
        return ConfigValidator.wrongKind(value, path, "a duration with a unit, such as 30s, 5m or 1m30s");
    }
}
