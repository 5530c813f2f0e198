package org.anytls4j.api;

import java.io.PrintWriter;
import java.util.List;

/**
 * A command-line tool a plugin adds to the {@code anytls4j} launcher, e.g. {@code anytls4j padding simulate} or
 * {@code anytls4j uri import LINK} from the AnyTLS plugin. The launcher lists installed tools in its help and
 * hands them their arguments unparsed.
 *
 * <h2>Threading</h2>
 * Called on the launcher's main thread; may block (it is not on an event loop).
 */
@Experimental
public interface Tool {
    /** The subcommand name, e.g. {@code padding}. Unique across installed plugins and built-in commands. */
    String name();

    /** One line for the launcher's help. */
    String description();

    /**
     * Runs the tool.
     *
     * @param args the arguments after the tool's name
     * @return the process exit code: 0 on success, 2 for a usage error, 1 for any other failure
     */
    int run(List<String> args, PrintWriter out, PrintWriter err);
}
