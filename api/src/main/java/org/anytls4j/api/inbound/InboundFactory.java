package org.anytls4j.api.inbound;

import com.typesafe.config.Config;
import org.anytls4j.api.Stable;

/**
 * Contributes an inbound {@code type}, e.g. the AnyTLS server ({@code anytls}). Its keys are documented in the
 * plugin's {@code reference.conf} under {@code anytls4j.inbound.<type>}.
 */
@Stable
public interface InboundFactory {
    /** The value of {@code type} in an inbound block. Unique across installed plugins. */
    String type();

    /**
     * Creates the inbound, once, at start-up; binding happens in {@link Inbound#start()}.
     *
     * @param settings the inbound block with the plugin's defaults applied
     * @throws com.typesafe.config.ConfigException or {@link org.anytls4j.api.InvalidSettingException} for a bad value
     */
    Inbound create(Config settings, InboundContext context);
}
