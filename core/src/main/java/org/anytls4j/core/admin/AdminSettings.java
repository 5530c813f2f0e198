package org.anytls4j.core.admin;

import com.typesafe.config.Config;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.core.inbound.ListenAddress;

/**
 * The {@code admin} block, read once at start-up; defaults and documentation in {@code anytls4j-admin.conf}.
 *
 * @param enabled    whether the admin listener runs at all
 * @param listen     IP literal to bind
 * @param listenPort TCP port, 0 for any free one
 */
public record AdminSettings(boolean enabled, String listen, int listenPort) {
    /**
     * @param admin the {@code admin} block with defaults applied; errors name keys relative to it
     * @throws InvalidSettingException for a listen address that is not an IP literal or a port out of range
     */
    public static AdminSettings parse(Config admin) {
        boolean enabled = admin.getBoolean("enabled");
        ListenAddress address = ListenAddress.parse(admin);
        return new AdminSettings(enabled, address.listen(), address.port());
    }
}
