package org.anytls4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Core is protocol-neutral (issue 9 section 3, DEVELOPERS.md "Architecture"): no class under core/src/main reads
 * or writes an AnyTLS or a UDP-over-TCP byte, or builds a {@code type = anytls} block. Those belong to the
 * transport plugin, reached through the api (packet streams, outbound links, ...). This test scans core's main
 * sources for the markers of such code; what must stay for now is in {@link #ALLOWED}, each entry with why.
 */
class ProtocolNeutralCoreTest {
    /** What betrays protocol code in core, and why each is a marker. */
    private static final Map<Pattern, String> MARKERS = Map.of(
            Pattern.compile("udp-over-tcp\\.arpa"), "the UoT magic destination: UoT framing is the transport's",
            Pattern.compile("\"anytls\""), "the anytls type name: a block of that type is built by the transport",
            Pattern.compile("\"anytls://"), "the anytls link scheme: links are read by the transport (ReferenceFlags)",
            Pattern.compile("import org\\.yaml\\.snakeyaml"), "a YAML parser: other products' files are converted by the"
                    + " plugin that knows them (ConfigImporter), and core does not depend on SnakeYAML");

    /**
     * Files that may still hold a marker, each with why; none since the mihomo importer moved to the transport
     * ({@code ConfigImporter}). Remove an entry as soon as its file no longer needs it: the test fails for an entry
     * that is not needed any more.
     */
    private static final Set<String> ALLOWED = Set.of();

    @Test
    void noCoreSourceReadsOrWritesAProtocolOrBuildsItsBlocks() throws IOException {
        Path root = Path.of("src/main/java");
        assertThat(root).as("run from the core module's directory").isDirectory();
        List<String> found = new ArrayList<>();
        List<String> allowedAndUsed = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(file -> {
                String name = root.relativize(file).toString().replace('\\', '/');
                String text = read(file);
                MARKERS.forEach((marker, why) -> {
                    if (marker.matcher(text).find()) {
                        if (ALLOWED.contains(name)) {
                            allowedAndUsed.add(name);
                        } else {
                            found.add(name + ": " + marker.pattern() + " (" + why + ")");
                        }
                    }
                });
            });
        }
        assertThat(found).as("protocol code in core").isEmpty();
        assertThat(allowedAndUsed).as("every allow-list entry is still needed").containsAll(ALLOWED);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
