package org.anytls4j.api;

import java.io.Reader;
import java.util.List;
import java.util.Objects;

/**
 * Converts another product's configuration into anytls4j configuration text, as {@code anytls4j import FORMAT}
 * prints it, e.g. the AnyTLS plugin's {@code mihomo} importer, which turns mihomo's {@code type: anytls} proxies
 * into outbound blocks. A plugin contributes importers through {@link AnytlsPlugin#importers()}; the launcher's
 * {@code import} command reads the file (or the entry given on the command line), hands it over, and prints the
 * result, its warnings and what was skipped.
 *
 * <h2>Threading</h2>
 * Called on the launcher's main thread; may block. An implementation keeps no state between calls.
 *
 * @since 2.0.0
 */
@Experimental
public interface ConfigImporter {
    /** The format's name, the word after {@code anytls4j import}, e.g. {@code mihomo}. Unique across plugins. */
    String format();

    /**
     * One short line for {@code anytls4j import --help}, shown after the format's name: what is converted into
     * what. Under 70 characters fits the help's 80 columns.
     */
    String description();

    /**
     * Converts one source.
     *
     * @param source what messages name as the input, e.g. the file's path; an implementation appends
     *               {@code :LINE} to it when it knows the line
     * @param origin what the converted text's opening comment names as where it came from, e.g. the file's name
     * @param input  the source's text; the caller opens and closes it
     * @return the configuration text and what was not converted
     * @throws ImportException when nothing can be converted: the input cannot be read, is not of this format, or
     *     holds nothing to convert; the message says which, naming {@code source}
     */
    Result convert(String source, String origin, Reader input) throws ImportException;

    /**
     * One conversion's result.
     *
     * @param config   the configuration text (HOCON), ready for {@code anytls4j check}, ending with a newline
     * @param warnings one line per thing not converted, {@code SOURCE:LINE: ...}, without a {@code warning:} prefix
     * @param skipped  the entries left out as a whole (of a kind this importer does not convert), e.g.
     *                 {@code 'name' (type)}
     */
    record Result(String config, List<String> warnings, List<String> skipped) {
        public Result {
            Objects.requireNonNull(config, "config");
            warnings = List.copyOf(warnings);
            skipped = List.copyOf(skipped);
        }
    }

    /** A conversion that cannot be made; the message is shown to the operator as is, after {@code error: }. */
    final class ImportException extends Exception {
        private static final long serialVersionUID = 1L;

        public ImportException(String message) {
            super(message);
        }

        public ImportException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
