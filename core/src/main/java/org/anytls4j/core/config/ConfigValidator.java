package org.anytls4j.core.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.anytls4j.core.plugin.PluginContributions;
import org.anytls4j.core.plugin.PluginStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks an operator's configuration against the defaults of the host and the installed plugins, before anything is
 * built: every key must be declared by a {@code reference.conf} (nested objects recursively; a key listed as
 * {@code key = null} is declared without a default), values must have the declared kind (object, list, number,
 * boolean, duration), every {@code type}, policy name and plugin id must be installed. Problems are collected, not
 * thrown one at a time, and reported together with file, line, full key and, for a typo, the nearest valid key.
 *
 * <p>Which declarations apply where (DEVELOPERS.md, Config):
 * <ul>
 *   <li>an outbound of a pooled transport type {@code T}: {@code type}, {@code tag}, {@code anytls4j.transport.T},
 *       {@code anytls4j.pool}, and every installed {@code anytls4j.pool-policy.*} and
 *       {@code anytls4j.session-monitor.*};</li>
 *   <li>the built-in {@code direct} outbound: {@code type}, {@code tag}, {@code anytls4j.outbound.direct};</li>
 *   <li>an inbound of type {@code T}: {@code type}, {@code tag}, {@code outbound} (the tag of the outbound its
 *       streams go to), {@code anytls4j.inbound.T};</li>
 *   <li>{@code log}, {@code admin}, {@code anytls4j}: the reference tree at the same path;
 *       {@code plugins.<id>}: that plugin's {@code plugins.<id>} defaults.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Immutable; {@link #validate} may be called from any thread.
 */
public final class ConfigValidator {
    /** The accepted values of {@code log.level}, case-insensitive. */
    public static final List<String> LOG_LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");
    /** The type of the host's built-in outbound that connects directly. */
    public static final String DIRECT = "direct";

    private static final List<String> TOP_LEVEL = List.of("log", "inbounds", "outbounds", "plugins", "admin",
            "anytls4j", "validation");
    private static final Set<String> OUTBOUND_HOST_KEYS = Set.of("type", "tag");
    private static final Set<String> INBOUND_HOST_KEYS = Set.of("type", "tag", "outbound");
    private static final String POOL_POLICIES = "pool_policies";
    /** The top-level block of validation options. */
    static final String VALIDATION = "validation";
    private static final String LOG_LEVELS_KEY = "log.levels";
    private static final String LOG_OUTPUT_KEY = "log.output";
    static final String SING_BOX_KEYS = "sing_box_keys";
    /**
     * The suffix of a reference key that declares the keys of each item of a list: {@code "users[]" { ... }}
     * declares the items of {@code users}. Never a key the operator writes.
     */
    static final String LIST_ITEM = "[]";
    private static final Logger log = LoggerFactory.getLogger("org.anytls4j.config");
    private static final Pattern DURATION = Pattern.compile("\\s*\\d+(\\.\\d+)?\\s*[a-zA-Z]+\\s*");

    private final PluginContributions contributions;

    public ConfigValidator(PluginContributions contributions) {
        this.contributions = requireNonNull(contributions, "contributions");
    }

    /**
     * @return the outbounds and inbounds with their defaults applied
     * @throws InvalidConfigException listing every problem found
     */
    public ValidatedConfig validate(LoadedConfig loaded) {
        List<ConfigProblem> problems = new ArrayList<>();
        ConfigObject user = loaded.user().root();
        Config reference = loaded.reference();

        List<ConfigProblem> warnings = new ArrayList<>();
        SingBoxKeys singBox = new SingBoxKeys(warnings);
        for (String key : new TreeSet<>(user.keySet())) {
            if (!TOP_LEVEL.contains(key) && singBox.topLevel(user.get(key), key)) {
                continue;
            }
            if (!TOP_LEVEL.contains(key)) {
                problems.add(unknown(user.get(key), key, TOP_LEVEL));
            }
        }
        Config full = loaded.full();
        for (String block : List.of("log", "admin", "anytls4j", VALIDATION)) {
            ConfigValue value = user.get(block);
            if (value != null) {
                ConfigValue checked = checkValue(value, referenceValue(reference, block), block, problems,
                        singBox.block(block));
                full = replaced(full, block, value, checked);
            }
        }
        full = checkPlugins(user.get("plugins"), reference, problems, singBox, full);
        String logLevel = logLevel(loaded, problems);
        checkLogOutput(full, problems);

        List<BlockSpec> outbounds = checkOutbounds(user.get("outbounds"), reference, problems, singBox);
        Set<String> outboundTags = new LinkedHashSet<>();
        outbounds.forEach(spec -> outboundTags.add(spec.tag()));
        List<BlockSpec> inbounds = checkInbounds(user.get("inbounds"), reference, outboundTags, problems, singBox);

        warnings.sort(null);
        if (strictSingBoxKeys(full, problems)) {
            problems.addAll(warnings.stream().map(w -> new ConfigProblem(w.location(), w.key(), w.problem()
                    + " (" + VALIDATION + "." + SING_BOX_KEYS + " = error)")).toList());
            warnings.clear();
        }
        if (!problems.isEmpty()) {
            problems.sort(null);
            throw new InvalidConfigException(problems);
        }
        for (ConfigProblem warning : warnings) {
            log.warn("{}", warning);
        }
        return new ValidatedConfig(loaded.source(), full, logLevel, outbounds, inbounds, warnings);
    }

    /** {@code log.output}: a file in a directory that exists and can be written. */
    private static void checkLogOutput(Config full, List<ConfigProblem> problems) {
        if (!full.hasPath(LOG_OUTPUT_KEY)) {
            return;
        }
        ConfigValue value = full.getValue(LOG_OUTPUT_KEY);
        Path file = Path.of(String.valueOf(value.unwrapped())).toAbsolutePath();
        Path directory = file.getParent();
        if (Files.isDirectory(file)) {
            problems.add(ConfigProblem.at(value.origin(), LOG_OUTPUT_KEY, file + " is a directory; name a file"));
        } else if (directory == null || !Files.isDirectory(directory)) {
            problems.add(ConfigProblem.at(value.origin(), LOG_OUTPUT_KEY, "directory " + directory
                    + " does not exist"));
        } else if (Files.exists(file) ? !Files.isWritable(file) : !Files.isWritable(directory)) {
            problems.add(ConfigProblem.at(value.origin(), LOG_OUTPUT_KEY, "cannot write " + file));
        }
    }

    /** {@code log.levels}: logger names (any) mapped to levels. */
    private static void checkLoggerLevels(ConfigValue value, List<ConfigProblem> problems) {
        if (!(value instanceof ConfigObject levels)) {
            if (value.valueType() != ConfigValueType.NULL) {
                problems.add(wrongKind(value, LOG_LEVELS_KEY, "an object of logger name = level"));
            }
            return;
        }
        for (Map.Entry<String, ConfigValue> entry : new TreeMap<>(levels).entrySet()) {
            String level = String.valueOf(entry.getValue().unwrapped()).toLowerCase(Locale.ROOT);
            if (!LOG_LEVELS.contains(level)) {
                problems.add(ConfigProblem.at(entry.getValue().origin(),
                        LOG_LEVELS_KEY + "." + ConfigUtil.quoteString(entry.getKey()),
                        "must be one of " + LOG_LEVELS + ", was '" + entry.getValue().unwrapped() + "'"));
            }
        }
    }

    /** {@code validation.sing_box_keys}: whether sing-box keys anytls4j does not implement are errors. */
    private static boolean strictSingBoxKeys(Config full, List<ConfigProblem> problems) {
        String path = VALIDATION + "." + SING_BOX_KEYS;
        if (!full.hasPath(path)) {
            return false;
        }
        ConfigValue value = full.getValue(path);
        String mode = String.valueOf(value.unwrapped()).toLowerCase(Locale.ROOT);
        if (!mode.equals("warn") && !mode.equals("error")) {
            problems.add(ConfigProblem.at(value.origin(), path, "must be warn or error, was '" + value.unwrapped()
                    + "'"));
            return false;
        }
        return mode.equals("error");
    }

    /** {@code full} with the operator's top-level {@code block} replaced by its normalised form, if it changed. */
    private static Config replaced(Config full, String path, ConfigValue original, ConfigValue checked) {
        if (checked == original || !(checked instanceof ConfigObject object)) {
            return full;
        }
        ConfigValue merged = full.hasPath(path) && full.getValue(path) instanceof ConfigObject defaults
                ? object.withFallback(defaults)
                : object;
        return full.withValue(path, merged);
    }

    private String logLevel(LoadedConfig loaded, List<ConfigProblem> problems) {
        if (!loaded.full().hasPath("log.level")) {
            return "info";
        }
        ConfigValue value = loaded.full().getValue("log.level");
        String level = String.valueOf(value.unwrapped()).toLowerCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(level)) {
            problems.add(ConfigProblem.at(value.origin(), "log.level",
                    "must be one of " + LOG_LEVELS + ", was '" + value.unwrapped() + "'"));
            return "info";
        }
        return level;
    }

    private Config checkPlugins(ConfigValue plugins, Config reference, List<ConfigProblem> problems,
                                SingBoxKeys singBox, Config full) {
        if (plugins == null) {
            return full;
        }
        if (!(plugins instanceof ConfigObject blocks)) {
            problems.add(wrongKind(plugins, "plugins", "an object"));
            return full;
        }
        Set<String> ids = new TreeSet<>();
        contributions.plugins().forEach(p -> ids.add(p.id()));
        for (String id : new TreeSet<>(blocks.keySet())) {
            String path = "plugins." + id;
            var plugin = contributions.plugin(id);
            if (plugin.isEmpty()) {
                problems.add(ConfigProblem.at(blocks.get(id).origin(), path,
                        "unknown plugin '" + id + "'; installed: " + ids));
            } else if (plugin.get().status() == PluginStatus.STARTED) {
                String fullPath = ConfigUtil.joinPath("plugins", id);
                ConfigValue checked = checkValue(blocks.get(id), referenceValue(reference, fullPath), path, problems,
                        singBox.block(path));
                full = replaced(full, fullPath, blocks.get(id), checked);
            }
        }
        return full;
    }

    private List<BlockSpec> checkOutbounds(ConfigValue value, Config reference, List<ConfigProblem> problems,
                                           SingBoxKeys singBox) {
        Set<String> types = new TreeSet<>(contributions.transports().keySet());
        types.add(DIRECT);
        Set<String> policyNames = new TreeSet<>(contributions.poolPolicies().keySet());
        policyNames.addAll(contributions.sessionMonitors().keySet());
        return checkList(value, "outbounds", types, problems, (item, path, type) -> {
            List<ConfigObject> schema = new ArrayList<>();
            if (DIRECT.equals(type)) {
                objectAt(reference, "anytls4j.outbound.direct").ifPresent(schema::add);
            } else {
                objectAt(reference, ConfigUtil.joinPath("anytls4j", "transport", type)).ifPresent(schema::add);
                objectAt(reference, "anytls4j.pool").ifPresent(schema::add);
                for (String group : List.of("pool-policy", "session-monitor")) {
                    objectAt(reference, "anytls4j." + group).ifPresent(all -> all.values().forEach(v -> {
                        if (v instanceof ConfigObject object) {
                            schema.add(object);
                        }
                    }));
                }
                checkPolicyNames(item.get(POOL_POLICIES), path + "." + POOL_POLICIES, policyNames, problems);
            }
            return new Checked(schema, checkObject(item, schema, OUTBOUND_HOST_KEYS, path, problems,
                    singBox.outbound()));
        });
    }

    private List<BlockSpec> checkInbounds(ConfigValue value, Config reference, Set<String> outboundTags,
                                          List<ConfigProblem> problems, SingBoxKeys singBox) {
        Set<String> types = new TreeSet<>(contributions.inbounds().keySet());
        return checkList(value, "inbounds", types, problems, (item, path, type) -> {
            List<ConfigObject> schema = new ArrayList<>();
            objectAt(reference, ConfigUtil.joinPath("anytls4j", "inbound", type)).ifPresent(schema::add);
            ConfigObject checked = checkObject(item, schema, INBOUND_HOST_KEYS, path, problems,
                    singBox.inbound());
            ConfigValue route = item.get("outbound");
            if (route != null && !outboundTags.contains(String.valueOf(route.unwrapped()))) {
                problems.add(ConfigProblem.at(route.origin(), path + ".outbound",
                        "no outbound has tag '" + route.unwrapped() + "'; configured: " + outboundTags));
            }
            return new Checked(schema, checked);
        });
    }

    /** Checks one item of {@code outbounds} or {@code inbounds} once its type is known. */
    @FunctionalInterface
    private interface ItemCheck {
        Checked check(ConfigObject item, String path, String type);
    }

    /** The declarations that apply to an item, and the item with its values normalised (durations). */
    private record Checked(List<ConfigObject> schema, ConfigObject item) {
    }

    private List<BlockSpec> checkList(ConfigValue value, String name, Set<String> types, List<ConfigProblem> problems,
                                      ItemCheck itemCheck) {
        List<BlockSpec> specs = new ArrayList<>();
        if (value == null) {
            return specs;
        }
        if (!(value instanceof ConfigList list)) {
            problems.add(wrongKind(value, name, "a list of objects"));
            return specs;
        }
        Map<String, String> tags = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String path = name + "[" + i + "]";
            if (!(list.get(i) instanceof ConfigObject item)) {
                problems.add(wrongKind(list.get(i), path, "an object"));
                continue;
            }
            Optional<String> type = requiredString(item, path, "type", problems);
            Optional<String> tag = requiredString(item, path, "tag", problems);
            if (tag.isPresent()) {
                String earlier = tags.putIfAbsent(tag.get(), path);
                if (earlier != null) {
                    problems.add(ConfigProblem.at(item.get("tag").origin(), path + ".tag",
                            "tag '" + tag.get() + "' is already used by " + earlier));
                }
            }
            if (type.isEmpty()) {
                continue;
            }
            if (!types.contains(type.get())) {
                problems.add(ConfigProblem.at(item.get("type").origin(), path + ".type",
                        "unknown type '" + type.get() + "'; installed: " + types + " (a type comes from a plugin: "
                                + "`anytls4j plugins` shows the plugins directory and what it holds)"));
                continue;
            }
            Checked checked = itemCheck.check(item, path, type.get());
            if (tag.isPresent()) {
                Config defaults = ConfigFactory.empty();
                for (ConfigObject block : checked.schema()) {
                    defaults = defaults.withFallback(block);
                }
                specs.add(new BlockSpec(path, type.get(), tag.get(),
                        checked.item().toConfig().withFallback(defaults), item.origin(), defaults));
            }
        }
        return specs;
    }

    private static Optional<String> requiredString(ConfigObject item, String path, String key,
                                                   List<ConfigProblem> problems) {
        ConfigValue value = item.get(key);
        if (value == null || value.valueType() == ConfigValueType.NULL) {
            problems.add(ConfigProblem.at(item.origin(), path + "." + key, "missing; every item needs a " + key));
            return Optional.empty();
        }
        if (value.valueType() != ConfigValueType.STRING) {
            problems.add(wrongKind(value, path + "." + key, "a string"));
            return Optional.empty();
        }
        return Optional.of((String) value.unwrapped());
    }

    private static void checkPolicyNames(ConfigValue value, String path, Set<String> installed,
                                         List<ConfigProblem> problems) {
        if (!(value instanceof ConfigList names)) {
            return; // absent, or the kind check of checkObject reports it
        }
        for (ConfigValue name : names) {
            if (name.valueType() != ConfigValueType.STRING || !installed.contains((String) name.unwrapped())) {
                problems.add(ConfigProblem.at(name.origin(), path,
                        "unknown policy '" + name.unwrapped() + "'; installed: " + installed));
            }
        }
    }

    /**
     * Checks every key of {@code user} against the union of {@code schema}; {@code hostKeys} are declared by the
     * host itself. A key no schema declares is an error, unless sing-box's schema has it there ({@code singBox}):
     * then a warning.
     *
     * @return {@code user} with its values normalised (the same instance when nothing changed)
     */
    private ConfigObject checkObject(ConfigObject user, List<ConfigObject> schema, Set<String> hostKeys, String path,
                                     List<ConfigProblem> problems, SingBoxKeys.Scope singBox) {
        ConfigObject result = user;
        for (String key : new TreeSet<>(user.keySet())) {
            if (hostKeys.contains(key)) {
                continue;
            }
            ConfigValue checked = user.get(key);
            String keyPath = ConfigProblem.join(path, key);
            ConfigValue declared = null;
            List<ConfigObject> nested = new ArrayList<>();
            for (ConfigObject block : schema) {
                if (block.containsKey(key) && !key.endsWith(LIST_ITEM)) {
                    ConfigValue candidate = block.get(key);
                    declared = declared == null ? candidate : declared;
                    if (candidate instanceof ConfigObject object) {
                        nested.add(object);
                    }
                }
            }
            if (declared == null) {
                if (!singBox.ignored(user.get(key), keyPath, key)) {
                    Set<String> known = new TreeSet<>(hostKeys);
                    schema.forEach(block -> known.addAll(block.keySet()));
                    known.removeIf(k -> k.endsWith(LIST_ITEM));
                    problems.add(unknown(user.get(key), keyPath, known));
                }
            } else if (keyPath.equals(LOG_LEVELS_KEY)) {
                checkLoggerLevels(user.get(key), problems);
            } else if (declared instanceof ConfigObject) {
                ConfigValue value = user.get(key);
                if (value instanceof ConfigObject object) {
                    checked = checkObject(object, nested, Set.of(), keyPath, problems, singBox.nested(key));
                } else if (value.valueType() != ConfigValueType.NULL) {
                    problems.add(wrongKind(value, keyPath, "an object"));
                }
            } else {
                checked = checkValue(user.get(key), declared, keyPath, problems, singBox.nested(key));
                checkListItems(user.get(key), schema, key, keyPath, problems, singBox);
            }
            if (checked != user.get(key)) {
                result = result.withValue(key, checked);
            }
        }
        return result;
    }

    /**
     * Checks each object of the list {@code value} against the item declaration {@code "key[]"} of the schema, if
     * one declares it ({@code "users[]" { name = null, password = null }}): an unknown key in an item is reported
     * with a suggestion, at the item's own path ({@code inbounds[0].users[1].pasword}).
     */
    private void checkListItems(ConfigValue value, List<ConfigObject> schema, String key, String path,
                                List<ConfigProblem> problems, SingBoxKeys.Scope singBox) {
        if (!(value instanceof ConfigList items)) {
            return;
        }
        List<ConfigObject> itemSchema = new ArrayList<>();
        for (ConfigObject block : schema) {
            if (block.get(key + LIST_ITEM) instanceof ConfigObject item) {
                itemSchema.add(item);
            }
        }
        if (itemSchema.isEmpty()) {
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) instanceof ConfigObject item) {
                checkObject(item, itemSchema, Set.of(), path + "[" + i + "]", problems, singBox.nested(key));
            }
        }
    }

    /**
     * Checks one value against its declaration (null: nothing declared at all).
     *
     * @return the value to use: {@code value} itself, or its normalised form (a Go duration such as {@code 1m30s}
     *     rewritten so that typesafe-config reads it)
     */
    private ConfigValue checkValue(ConfigValue value, ConfigValue declared, String path, List<ConfigProblem> problems,
                                   SingBoxKeys.Scope singBox) {
        if (declared == null) {
            if (value instanceof ConfigObject object) {
                return checkObject(object, List.of(), Set.of(), path, problems, singBox);
            }
            problems.add(ConfigProblem.at(value.origin(), path, "unknown key; nothing is configured here"));
            return value;
        }
        if (value.valueType() == ConfigValueType.NULL) {
            return value;
        }
        switch (declared.valueType()) {
            case NULL -> { }
            case OBJECT -> {
                if (value instanceof ConfigObject object) {
                    return checkObject(object, List.of((ConfigObject) declared), Set.of(), path, problems, singBox);
                }
                problems.add(wrongKind(value, path, "an object"));
            }
            case LIST -> {
                // A single string where a list is declared is sing-box's Listable ("alpn": "h2"): the key's reader
                // decides whether it takes one, and reports the key if not.
                if (value.valueType() != ConfigValueType.LIST && value.valueType() != ConfigValueType.STRING) {
                    problems.add(wrongKind(value, path, "a list"));
                }
            }
            case NUMBER -> {
                if (!converts(value, Config::getNumber)) {
                    problems.add(wrongKind(value, path, "a number"));
                } else if (isInteger(declared) && !isInteger(value)) {
                    problems.add(wrongKind(value, path, "an integer"));
                }
            }
            case BOOLEAN -> {
                if (!converts(value, Config::getBoolean)) {
                    problems.add(wrongKind(value, path, "true or false"));
                }
            }
            case STRING -> {
                if (isDuration(declared)) {
                    return Durations.check(value, path, problems);
                }
            }
        }
        return value;
    }

    /** Whether {@code value} is a whole number (declared: the default is written without a fraction). */
    private static boolean isInteger(ConfigValue value) {
        Object number = value.unwrapped();
        if (number instanceof String text) {
            try {
                number = ConfigFactory.empty().withValue("v", value).getNumber("v");
            } catch (ConfigException e) {
                return false;
            }
            if (text.contains(".") || text.toLowerCase(Locale.ROOT).contains("e")) {
                return false;
            }
        }
        return number instanceof Integer || number instanceof Long;
    }

    private static boolean isDuration(ConfigValue declared) {
        return DURATION.matcher(String.valueOf(declared.unwrapped())).matches()
                && converts(declared, (c, k) -> c.getDuration(k));
    }

    private static boolean converts(ConfigValue value, java.util.function.BiFunction<Config, String, ?> getter) {
        try {
            getter.apply(ConfigFactory.empty().withValue("v", value), "v");
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }

    static ConfigProblem wrongKind(ConfigValue value, String path, String expected) {
        String was = value.valueType() == ConfigValueType.STRING
                ? "'" + value.unwrapped() + "'"
                : value.valueType().name().toLowerCase(Locale.ROOT);
        return ConfigProblem.at(value.origin(), path, "must be " + expected + ", was " + was);
    }

    private static ConfigProblem unknown(ConfigValue value, String path, Collection<String> known) {
        String key = path.substring(path.lastIndexOf('.') + 1);
        String hint = KeySuggestions.nearest(key, known)
                .map(s -> "; did you mean '" + s + "'?")
                .orElse(known.isEmpty() ? "; no keys are configured here" : "; valid keys: " + new TreeSet<>(known));
        return ConfigProblem.at(value.origin(), path, "unknown key" + hint);
    }

    private static ConfigValue referenceValue(Config reference, String path) {
        if (!reference.hasPathOrNull(path)) {
            return null;
        }
        return reference.getIsNull(path) ? ConfigValueFactory.fromAnyRef(null) : reference.getValue(path);
    }

    private static Optional<ConfigObject> objectAt(Config reference, String path) {
        return reference.hasPath(path) && reference.getValue(path) instanceof ConfigObject object
                ? Optional.of(object)
                : Optional.empty();
    }
}
