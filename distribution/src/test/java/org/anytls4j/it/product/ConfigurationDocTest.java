package org.anytls4j.it.product;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.anytls4j.distribution.Distribution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * docs/CONFIGURATION.md documents every key of every {@code reference.conf} the distribution ships: core's (with
 * anytls4j-pool.conf, anytls4j-inbounds.conf, anytls4j-admin.conf) from {@code lib/}, and each plugin's from
 * {@code plugins/} (the transport's anytls-client.conf and anytls-server.conf included). A key is documented when
 * the section whose heading names its block ({@code ### `anytls4j.inbound.anytls`}; "Top level" for
 * {@code inbounds}, {@code outbounds}, {@code plugins}) has a table row for the rest of the key
 * ({@code | `tls.certificate_path` |}).
 */
@Timeout(60)
class ConfigurationDocTest {
    private static final String TOP_LEVEL = "Top level";

    @Test
    void everyKeyOfEveryShippedReferenceConfIsInConfigurationMd() throws IOException {
        Map<String, Set<String>> documented = sections(Distribution.sourceRoot().resolve("docs/CONFIGURATION.md"));
        List<Path> jars = new ArrayList<>();
        jars.add(Distribution.home().resolve("lib/anytls4j-core-0.1.0.jar"));
        try (Stream<Path> plugins = Files.list(Distribution.plugins())) {
            plugins.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(jars::add);
        }

        List<String> missing = new ArrayList<>();
        int keys = 0;
        for (Path jar : jars) {
            Config reference = reference(jar);
            for (String key : leaves(reference.root(), "")) {
                keys++;
                String[] split = blockAndKey(key);
                String heading = split[0].isEmpty() ? TOP_LEVEL : split[0];
                if (!documented.getOrDefault(heading, Set.of()).contains(split[1])) {
                    missing.add(jar.getFileName() + ": " + key + " (section " + heading + ", row `" + split[1] + "`)");
                }
            }
        }

        assertThat(keys).as("keys read from " + jars).isGreaterThan(60);
        assertThat(missing).as("keys missing from docs/CONFIGURATION.md").isEmpty();
    }

    /** The jar's own reference.conf with its includes, and nothing from any other jar. */
    private static Config reference(Path jar) throws IOException {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            Config config = ConfigFactory.parseResources(loader, "reference.conf");
            assertThat(config.isEmpty()).as(jar + " has a reference.conf").isFalse();
            return config;
        }
    }

    /** Every leaf path, null values, lists and empty objects included. */
    private static List<String> leaves(ConfigObject object, String prefix) {
        List<String> paths = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
            String path = prefix + entry.getKey();
            if (entry.getValue() instanceof ConfigObject child && !child.isEmpty()) {
                paths.addAll(leaves(child, path + "."));
            } else {
                paths.add(path);
            }
        }
        return paths;
    }

    /** {block, key in block}: anytls4j.pool, anytls4j.KIND.NAME, or the first segment; "" for a top-level key. */
    private static String[] blockAndKey(String path) {
        String[] segments = path.split("\\.");
        int blockLength;
        if (segments.length == 1) {
            blockLength = 0;
        } else if (path.startsWith("anytls4j.pool.")) {
            blockLength = 2;
        } else if (segments[0].equals("anytls4j")) {
            blockLength = 3;
        } else {
            blockLength = 1;
        }
        return new String[] {String.join(".", List.of(segments).subList(0, blockLength)),
            String.join(".", List.of(segments).subList(blockLength, segments.length))};
    }

    /** Section heading (its backquoted block, or the heading text) to the keys of its table rows. */
    private static Map<String, Set<String>> sections(Path doc) throws IOException {
        Map<String, Set<String>> sections = new LinkedHashMap<>();
        Set<String> current = null;
        for (String line : Files.readAllLines(doc)) {
            if (line.startsWith("#")) {
                String title = line.replaceFirst("^#+\\s*", "").strip();
                if (title.startsWith("`") && title.endsWith("`")) {
                    title = title.substring(1, title.length() - 1);
                }
                current = sections.computeIfAbsent(title, t -> new LinkedHashSet<>());
            } else if (current != null && line.startsWith("| `")) {
                current.add(line.substring(3, line.indexOf('`', 3)));
            }
        }
        return sections;
    }
}
