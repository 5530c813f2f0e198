package org.anytls4j.api.outbound;

import java.util.Map;
import org.anytls4j.api.Experimental;

/**
 * Share links of a transport (e.g. {@code anytls://password@host:port/?sni=...}), read into an outbound block. A
 * {@link TransportFactory} implements it when its protocol has such links; the launcher's {@code client -s LINK}
 * asks the installed transports, with a typed call, instead of knowing any link format itself.
 *
 * <h2>Threading</h2>
 * Stateless and thread-safe; called on the launcher's thread.
 *
 * @since 1.3.0
 */
@Experimental
public interface OutboundLinks {
    /** The scheme of the links read, without {@code ://}, e.g. {@code anytls}; matched case-insensitively. */
    String linkScheme();

    /**
     * The outbound block {@code link} describes: keys as an operator writes them in {@code outbounds = [...]}
     * ({@code type}, {@code tag}, {@code server}, ..., nested objects as maps), values strings, numbers, booleans,
     * lists or maps. The caller may change the returned maps.
     *
     * @throws IllegalArgumentException naming what is wrong with the link
     */
    Map<String, Object> outboundBlock(String link);
}
