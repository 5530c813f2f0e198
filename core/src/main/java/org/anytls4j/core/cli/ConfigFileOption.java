package org.anytls4j.core.cli;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code -c/--config FILE} option shared by the commands that read a configuration. */
final class ConfigFileOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Configuration file, HOCON or JSON (default: -Dconfig.file).")
    Path file;

    Optional<Path> file() {
        return Optional.ofNullable(file);
    }
}
