package org.anytls4j.core.cli;

import com.typesafe.config.ConfigFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import org.anytls4j.api.HostPort;
import org.anytls4j.core.config.ValidatedConfig;
import picocli.CommandLine.ParameterException;

/**
 * {@code client} and {@code server}: each runs the file of {@code -c} (or {@code -Dconfig.file}), or a configuration
 * built from the flags of the reference implementation's command, not both. Subclasses declare those flags, say
 * whether any was given ({@link #flagsGiven}) and build the configuration's blocks from them ({@link #fromFlags});
 * this class loads or validates the result.
 */
abstract class FlagsOrFileCommand extends RunCommand {
    private final String flagNames;
    private final String source;

    /**
     * @param flagNames how the {@code -c cannot be combined with ...} error names the flags
     * @param source    the name errors give the configuration built from the flags, e.g. {@code client options}
     */
    FlagsOrFileCommand(Launcher launcher, String flagNames, String source) {
        super(launcher);
        this.flagNames = flagNames;
        this.source = source;
    }

    /** Whether any of this command's own flags was given. */
    abstract boolean flagsGiven();

    /**
     * The top-level keys ({@code inbounds}, {@code outbounds}) of the configuration the flags describe.
     *
     * @throws ParameterException for flags that are missing, malformed or cannot be combined
     */
    abstract Map<String, Object> fromFlags();

    /**
     * The file's configuration when no flag is given and a file is named, else the one built from the flags.
     *
     * @throws ParameterException when {@code -c} comes with flags, or from {@link #fromFlags}
     */
    @Override
    final ValidatedConfig configuration() {
        if (!flagsGiven() && configFileGiven()) {
            return launcher.host().load(config.file());
        }
        if (config.file().isPresent()) {
            throw new ParameterException(spec.commandLine(), "-c cannot be combined with " + flagNames);
        }
        return launcher.host().validate(ConfigFactory.parseMap(fromFlags(), source), source);
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

    /**
     * A mutable inbound block of {@code type} and {@code tag} listening where {@code -l} says, else at
     * {@code fallback}; an address without a host (":8443") listens on every interface.
     *
     * @throws ParameterException naming {@code -l}
     */
    final Map<String, Object> inboundAt(String type, String tag, String listen, String fallback) {
        HostPort address = hostPort("-l", listen, fallback);
        Map<String, Object> inbound = new LinkedHashMap<>();
        inbound.put("type", type);
        inbound.put("tag", tag);
        inbound.put("listen", address.host().isEmpty() ? "0.0.0.0" : address.host());
        inbound.put("listen_port", address.port());
        return inbound;
    }
}
