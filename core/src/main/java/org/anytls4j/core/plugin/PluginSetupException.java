package org.anytls4j.core.plugin;

import java.util.List;

/**
 * The installed plugins cannot be used together: a plugin contributes nothing, or a name is contributed twice.
 * The host does not start; the message lists every problem, one per line.
 */
public final class PluginSetupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public PluginSetupException(List<String> problems) {
        super("plugins cannot start:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
