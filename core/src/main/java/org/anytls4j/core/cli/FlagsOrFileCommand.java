package org.anytls4j.core.cli;

import com.typesafe.config.ConfigFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.anytls4j.api.HostPort;
import org.anytls4j.api.outbound.ReferenceFlags;
import org.anytls4j.api.outbound.ReferenceFlags.Flag;
import org.anytls4j.core.config.ValidatedConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code client} and {@code server}: each runs the file of {@code -c} (or {@code -Dconfig.file}), or a configuration
 * built from the flags of the reference implementation's command, not both. The flags and the blocks they describe
 * are the transport's ({@link ReferenceFlags}, added to the command by {@link #addReferenceFlags}); subclasses say
 * which of them they take ({@link #flagsOf}) and build the configuration from them ({@link #fromFlags}); this class
 * loads or validates the result.
 */
abstract class FlagsOrFileCommand extends RunCommand {
    private final String flagNames;
    private final String source;
    /** The transport whose reference flags this command takes, or null when no installed transport has any. */
    private ReferenceFlags reference;
    /** The transport's flags as added to this command, by each flag's first name. */
    private final Map<String, OptionSpec> added = new LinkedHashMap<>();

    /**
     * @param flagNames how the {@code -c cannot be combined with ...} error names the flags
     * @param source    the name errors give the configuration built from the flags, e.g. {@code client options}
     */
    FlagsOrFileCommand(Launcher launcher, String flagNames, String source) {
        super(launcher);
        this.flagNames = flagNames;
        this.source = source;
    }

    /** The flags of {@code reference} this command takes. */
    abstract List<Flag> flagsOf(ReferenceFlags reference);

    /** Whether any of this command's own flags (not the transport's) was given. */
    abstract boolean ownFlagsGiven();

    /**
     * The top-level keys ({@code inbounds}, {@code outbounds}) of the configuration the flags describe.
     *
     * @throws ParameterException for flags that are missing, malformed or cannot be combined
     */
    abstract Map<String, Object> fromFlags(ReferenceFlags reference, ReferenceFlags.Given given);

    /** Adds {@code reference}'s flags of this command to {@code spec}, the command's own spec. */
    final void addReferenceFlags(CommandSpec spec, Optional<ReferenceFlags> reference) {
        this.reference = reference.orElse(null);
        if (this.reference == null) {
            return;
        }
        for (Flag flag : flagsOf(this.reference)) {
            OptionSpec.Builder option = OptionSpec.builder(flag.names().toArray(String[]::new))
                    .description(flag.description());
            if (flag.label() == null) {
                option.arity("0").type(boolean.class);
            } else {
                option.paramLabel(flag.label()).arity("1").type(flag.repeatable() ? String[].class : String.class);
            }
            OptionSpec built = option.build();
            spec.addOption(built);
            added.put(flag.names().get(0), built);
        }
    }

    /**
     * The file's configuration when no flag is given and a file is named, else the one built from the flags.
     *
     * @throws ParameterException when {@code -c} comes with flags, or from {@link #fromFlags}
     */
    @Override
    final ValidatedConfig configuration() {
        boolean flagsGiven = ownFlagsGiven() || added.values().stream().anyMatch(o -> given(o));
        if (!flagsGiven && configFileGiven()) {
            return launcher.host().load(config.file());
        }
        if (config.file().isPresent()) {
            throw new ParameterException(spec.commandLine(), "-c cannot be combined with " + flagNames);
        }
        if (reference == null) {
            throw new ParameterException(spec.commandLine(), "no installed transport plugin offers the reference "
                    + spec.name() + "'s flags (the anytls transport does); give -c FILE");
        }
        Map<String, Object> blocks;
        try {
            blocks = fromFlags(reference, new Given());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return launcher.host().validate(ConfigFactory.parseMap(blocks, source), source);
    }

    private static boolean given(OptionSpec option) {
        Object value = option.getValue();
        return value instanceof Boolean b ? b : value != null;
    }

    /**
     * The {@link HostPort} of {@code option}, or of {@code fallback} when it was not given.
     *
     * @throws ParameterException naming the option
     */
    final HostPort hostPort(String option, String value, String fallback) {
        try {
            return HostPort.parse(option, value == null ? fallback : value, -1);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** What the user gave of the transport's flags, and what the launcher knows. */
    private final class Given implements ReferenceFlags.Given {
        private OptionSpec option(String flag) {
            OptionSpec option = added.get(flag);
            if (option == null) {
                throw new IllegalArgumentException("no flag " + flag + " was declared; declared: " + added.keySet());
            }
            return option;
        }

        @Override
        public Optional<String> value(String flag) {
            Object value = option(flag).getValue();
            if (value instanceof String[] values) {
                return values.length == 0 ? Optional.empty() : Optional.of(values[values.length - 1]);
            }
            return value instanceof String s ? Optional.of(s) : Optional.empty();
        }

        @Override
        public List<String> values(String flag) {
            Object value = option(flag).getValue();
            if (value instanceof String[] values) {
                return List.of(values);
            }
            return value instanceof String s ? List.of(s) : List.of();
        }

        @Override
        public boolean isSet(String flag) {
            return given(option(flag));
        }

        @Override
        public Optional<String> environment(String name) {
            return launcher.environment(name);
        }

        @Override
        public boolean hasPoolPolicy(String name) {
            return launcher.contributions().poolPolicies().containsKey(name);
        }
    }
}
