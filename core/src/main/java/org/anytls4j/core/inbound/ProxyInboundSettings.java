package org.anytls4j.core.inbound;

import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.anytls4j.api.InvalidSettingException;

/**
 * The keys of a {@code mixed}, {@code socks} or {@code http} inbound block, read once at start-up. Defaults and
 * documentation: {@code anytls4j.inbound.<type>} in {@code anytls4j-inbounds.conf}. ({@code tag}, {@code type}
 * and {@code outbound} are read by the host: the latter through {@code InboundContext.route()}.)
 *
 * @param listen       IP literal to bind
 * @param listenPort   TCP port, 0 for any free one
 * @param users        username to password; empty means no authentication
 * @param udpTimeout   idle time after which a UDP association ends; null for {@code http}
 * @param requestTimeout how long a connection has to finish its request ({@link RequestDeadline})
 */
record ProxyInboundSettings(String listen, int listenPort, Map<String, String> users, Duration udpTimeout,
                            Duration requestTimeout) {
    ProxyInboundSettings {
        users = Map.copyOf(users);
    }

    static ProxyInboundSettings parse(Config c, ProxyKind kind) {
        ListenAddress address = ListenAddress.parse(c);
        Map<String, String> users = new LinkedHashMap<>();
        List<? extends Config> list = c.getConfigList("users");
        for (int i = 0; i < list.size(); i++) {
            Config u = list.get(i);
            String key = "users[" + i + "]";
            String name = credential(c, u, key, "username");
            String password = credential(c, u, key, "password");
            if (users.put(name, password) != null) {
                throw new InvalidSettingException(c.getValue("users").origin(), key + ".username",
                        "duplicate username '" + name + "'");
            }
        }
        Duration udpTimeout = null;
        if (kind.acceptsUdp()) {
            udpTimeout = c.getDuration("udp_timeout");
            if (udpTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new InvalidSettingException(c.getValue("udp_timeout").origin(), "udp_timeout",
                        "must be at least 1s, was " + udpTimeout);
            }
        }
        Duration requestTimeout = c.getDuration("request_timeout");
        if (requestTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new InvalidSettingException(c.getValue("request_timeout").origin(), "request_timeout",
                    "must be at least 1s, was " + requestTimeout);
        }
        return new ProxyInboundSettings(address.listen(), address.port(), users, udpTimeout, requestTimeout);
    }

    /** RFC 1929: username and password are 1 to 255 bytes. */
    private static String credential(Config block, Config user, String key, String field) {
        if (!user.hasPath(field)) {
            throw new InvalidSettingException(block.getValue("users").origin(), key + "." + field, "is missing");
        }
        String value = user.getString(field);
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < 1 || bytes > 255) {
            throw new InvalidSettingException(user.getValue(field).origin(), key + "." + field,
                    "must be 1 to 255 bytes (RFC 1929), was " + bytes);
        }
        return value;
    }

    /** True when {@code username} is configured with exactly this password. */
    boolean authenticate(String username, String password) {
        String expected = users.get(username);
        return expected != null && java.security.MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8));
    }

    /** Never shows passwords. */
    @Override
    public String toString() {
        return "ProxyInboundSettings[listen=" + listen + ", listen_port=" + listenPort + ", users=" + users.keySet()
                + ", udp_timeout=" + udpTimeout + ", request_timeout=" + requestTimeout + "]";
    }

    boolean authRequired() {
        return !users.isEmpty();
    }
}
