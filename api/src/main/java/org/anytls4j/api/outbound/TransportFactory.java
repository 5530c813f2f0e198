package org.anytls4j.api.outbound;

import com.typesafe.config.Config;
import org.anytls4j.api.Stable;

/**
 * Contributes an outbound {@code type} whose sessions the host pools, e.g. {@code anytls}.
 *
 * <h2>Settings</h2>
 * The plugin's {@code reference.conf} documents every key the transport reads from an outbound block, under
 * {@code anytls4j.transport.<type>}; a key without a default is listed as {@code key = null}. The host rejects
 * keys that neither the transport, the pool nor an installed policy or monitor declares.
 */
@Stable
public interface TransportFactory {
    /** The value of {@code type} in an outbound block. Unique across installed plugins. */
    String type();

    /**
     * Creates the connector for one outbound, once, at start-up.
     *
     * @param settings the outbound block with the transport's defaults applied
     * @throws com.typesafe.config.ConfigException for a missing or invalid value, with the value's origin and
     *     full key, so that the host can report file, line and key
     */
    SessionConnector create(Config settings, TransportContext context);
}
