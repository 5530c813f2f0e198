package org.anytls4j.core.testing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a Prometheus text scrape against the conventions an operator's dashboards rely on: every family has a
 * {@code # HELP} besides its {@code # TYPE}, base units (no {@code _ns}/{@code _ms} names), and no {@code id}
 * label holding a number (an identity hash, a new series at each restart; the JVM meters' {@code id} naming a
 * memory pool is stable and stays). Also reads one sample's value. Stateless.
 */
public final class PrometheusText {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");

    private PrometheusText() {
    }

    /** What in {@code scrape} breaks the conventions, one line per problem; empty when it follows them. */
    public static List<String> violations(String scrape) {
        Set<String> helped = new LinkedHashSet<>();
        Set<String> typed = new LinkedHashSet<>();
        List<String> problems = new ArrayList<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# HELP ")) {
                String[] parts = line.split(" ", 4);
                if (parts.length < 4 || parts[3].isBlank()) {
                    problems.add("empty HELP: " + line);
                }
                helped.add(parts[2]);
            } else if (line.startsWith("# TYPE ")) {
                typed.add(line.split(" ")[2]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                Matcher m = SAMPLE.matcher(line);
                if (!m.matches()) {
                    problems.add("unparsable sample: " + line);
                    continue;
                }
                String name = m.group(1);
                if (name.matches(".*_(ns|nanoseconds|ms|milliseconds)(_.*)?")) {
                    problems.add("not a base unit: " + name);
                }
                if (m.group(2) != null && m.group(2).matches("\\{(.*,)?id=\"[0-9a-f]+\".*")) {
                    problems.add("random id label: " + line);
                }
            }
        }
        for (String family : typed) {
            if (!helped.contains(family)) {
                problems.add("no HELP: " + family);
            }
        }
        return problems;
    }

    /**
     * The value of the sample named {@code name} whose labels contain every one of {@code labels} (each as
     * {@code key="value"}), or NaN when there is none.
     */
    public static double value(String scrape, String name, String... labels) {
        for (String line : scrape.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches() || !m.group(1).equals(name)) {
                continue;
            }
            String set = m.group(2) == null ? "" : m.group(2);
            boolean all = true;
            for (String label : labels) {
                all &= set.contains(label);
            }
            if (all) {
                return Double.parseDouble(m.group(3));
            }
        }
        return Double.NaN;
    }
}
