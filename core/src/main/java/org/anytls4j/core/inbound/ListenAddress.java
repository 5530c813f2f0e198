package org.anytls4j.core.inbound;

import com.typesafe.config.Config;
import io.netty.util.NetUtil;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.Settings;

/**
 * The {@code listen} and {@code listen_port} keys every listener block has (inbounds, the admin listener).
 *
 * @param listen IPv4 or IPv6 literal
 * @param port   0 to 65535, 0 for any free port
 */
public record ListenAddress(String listen, int port) {
    /** @throws InvalidSettingException naming the key, for a host name or a port out of range */
    public static ListenAddress parse(Config block) {
        String listen = block.getString("listen");
        if (!NetUtil.isValidIpV4Address(listen) && !NetUtil.isValidIpV6Address(listen)) {
            throw new InvalidSettingException(block.getValue("listen").origin(), "listen",
                    "must be an IPv4 or IPv6 address, was '" + listen + "'");
        }
        int port = Settings.intInRange(block, "listen_port", 0, 65535);
        return new ListenAddress(listen, port);
    }
}
