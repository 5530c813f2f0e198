package org.anytls4j.core.admin;

import com.typesafe.config.Config;
import io.netty.util.NetUtil;
import org.anytls4j.api.InvalidSettingException;

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
        String listen = admin.getString("listen");
        if (!NetUtil.isValidIpV4Address(listen) && !NetUtil.isValidIpV6Address(listen)) {
            throw new InvalidSettingException(admin.getValue("listen").origin(), "listen",
                    "must be an IPv4 or IPv6 address, was '" + listen + "'");
        }
        int port = admin.getInt("listen_port");
        if (port < 0 || port > 65535) {
            throw new InvalidSettingException(admin.getValue("listen_port").origin(), "listen_port",
                    "must be in 0..65535, was " + port);
        }
        return new AdminSettings(enabled, listen, port);
    }
}
