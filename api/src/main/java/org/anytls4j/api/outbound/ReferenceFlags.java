package org.anytls4j.api.outbound;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.anytls4j.api.Experimental;

/**
 * The flags of a protocol's reference client and server (for AnyTLS, anytls-go's {@code cmd/client} and
 * {@code cmd/server}), which {@code anytls4j client} and {@code anytls4j server} accept instead of {@code -c FILE}.
 * A {@link TransportFactory} implements it. The launcher takes the first such transport (by type), adds its flags
 * to the two commands (their help included) and builds the configuration from what the user gave: its own local
 * proxy inbound ({@code client -l}) in front of the transport's outbound block, or the transport's inbound block
 * alone, whose streams go out directly.
 *
 * <h2>Threading</h2>
 * Called on the launcher's thread; may block (it may read a file a flag names).
 *
 * @since 2.0.0
 */
@Experimental
public interface ReferenceFlags {
    /**
     * One flag.
     *
     * @param names       its names, e.g. {@code -s}, {@code --server}; {@link Given} names it by the first
     * @param label       its parameter's label in the help, e.g. {@code HOST:PORT}; null for a switch
     * @param repeatable  whether it may be given more than once (then {@link Given#values} has each)
     * @param description its help text, one paragraph
     */
    record Flag(List<String> names, String label, boolean repeatable, String description) {
        public Flag {
            names = List.copyOf(names);
            if (names.isEmpty()) {
                throw new IllegalArgumentException("a flag needs a name");
            }
            requireNonNull(description, "description");
            if (label == null && repeatable) {
                throw new IllegalArgumentException("a switch cannot be repeatable: " + names);
            }
        }
    }

    /** What the user gave on the command line, and what the host knows. */
    interface Given {
        /** The flag's value (the last one when repeated), by the flag's first name; empty when not given. */
        Optional<String> value(String flag);

        /** Every value of a repeatable flag, in order; empty when not given. */
        List<String> values(String flag);

        /** Whether the flag (a switch or not) was given. */
        boolean isSet(String flag);

        /** An environment variable, as this invocation sees the environment. */
        Optional<String> environment(String name);

        /** Whether a pool policy of this name is installed. */
        boolean hasPoolPolicy(String name);
    }

    /** The reference client's flags, besides {@code -l} (the launcher's local proxy) and {@code -c}. */
    List<Flag> clientFlags();

    /**
     * The outbound block the client's flags describe ({@code type}, {@code tag}, {@code server}, ...).
     *
     * @throws IllegalArgumentException with the message for the user, naming the flag, when flags are missing,
     *     malformed or cannot be combined
     */
    Map<String, Object> clientOutbound(Given given);

    /** The reference server's flags, besides {@code -c}. */
    List<Flag> serverFlags();

    /**
     * The inbound block the server's flags describe ({@code type}, {@code tag}, {@code listen}, ...).
     *
     * @throws IllegalArgumentException with the message for the user, naming the flag
     */
    Map<String, Object> serverInbound(Given given);
}
