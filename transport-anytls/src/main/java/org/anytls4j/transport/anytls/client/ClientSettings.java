package org.anytls4j.transport.anytls.client;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.function.Consumer;
import org.anytls4j.api.ApiVersion;
import org.anytls4j.api.GoDurations;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.Settings;
import org.anytls4j.transport.anytls.Passwords;
import org.anytls4j.transport.anytls.tls.ClientTlsSettings;
import org.slf4j.LoggerFactory;

/**
 * The keys of an {@code anytls} outbound that the transport reads (documented in {@code anytls-client.conf}),
 * read once at start-up. Pool keys ({@code idle_session_*}, {@code min_idle_session}, {@code heartbeat}, ...)
 * belong to the host and its policies and are not read here.
 *
 * @param server              the server's host name or IP literal
 * @param port                the server's TCP port
 * @param passwordHash        SHA-256 of the password (the password itself is not kept)
 * @param clientMetadata      the Settings {@code client} value; empty to leave the key out
 * @param connectTimeout      bound on the TCP connect and, separately, on the TLS handshake
 * @param streamReceiveBytes  inbound bytes one stream may queue before the session stops reading
 * @param sessionReceiveBytes inbound bytes all streams of a session may queue before it stops reading
 * @param firstStreamWait     how long a new session's first stream waits for an answer from a server whose
 *                            version is not known yet
 * @param streamOpenTimeout   the SYNACK watchdog: how long a stream opened on a server known to speak v2 waits
 *                            for its SYNACK (reading time) before the session is closed and the open fails
 * @param tls                 the TLS block
 */
public record ClientSettings(String server, int port, byte[] passwordHash, String clientMetadata,
        Duration connectTimeout, long streamReceiveBytes, long sessionReceiveBytes, Duration firstStreamWait,
        Duration streamOpenTimeout, ClientTlsSettings tls) {
    /** The largest {@code stream_open_timeout}. */
    static final Duration MAX_STREAM_OPEN_TIMEOUT = Duration.ofMinutes(5);

    /** The {@code client} value sent when {@code client_metadata} is not set. */
    public static final String DEFAULT_CLIENT_METADATA = "anytls4j/" + ApiVersion.PRODUCT;

    /**
     * Reads an outbound block.
     *
     * @param settings the block with the transport's defaults applied
     * @throws InvalidSettingException naming the key of a missing or bad value
     */
    public static ClientSettings parse(Config settings) {
        return parse(settings, warning -> LoggerFactory.getLogger(ClientSettings.class).warn("{}", warning));
    }

    /**
     * Reads an outbound block, handing what is accepted but unwise (a short password) to {@code warnings}.
     *
     * @param settings the block with the transport's defaults applied
     * @param warnings receives one line per warning, naming the key
     * @throws InvalidSettingException naming the key of a missing or bad value
     */
    public static ClientSettings parse(Config settings, Consumer<String> warnings) {
        String server = requiredString(settings, "server");
        if (server.isEmpty()) {
            throw new InvalidSettingException(settings.getValue("server").origin(), "server", "must not be empty");
        }
        if (server.startsWith("[") && server.endsWith("]")) {
            server = server.substring(1, server.length() - 1);
        }
        int port = Settings.intInRange(settings, "server_port", 1, 65535);
        String password = Passwords.read(settings, "password", null, "password"); // missing: the host names the block
        Passwords.warning(password, "password").ifPresent(warnings);
        String clientMetadata = settings.hasPath("client_metadata")
                ? settings.getString("client_metadata") : DEFAULT_CLIENT_METADATA;
        if (clientMetadata.indexOf('\n') >= 0) {
            throw new InvalidSettingException(settings.getValue("client_metadata").origin(), "client_metadata",
                    "must not contain a line feed (it is one line of the Settings text)");
        }
        Duration connectTimeout = Settings.positiveDuration(settings, "connect_timeout");
        Duration firstStreamWait = Settings.nonNegativeDuration(settings, "first_stream_wait");
        if (firstStreamWait.compareTo(Duration.ofSeconds(30)) > 0) {
            throw new InvalidSettingException(settings.getValue("first_stream_wait").origin(), "first_stream_wait",
                    "must be at most 30s, was " + GoDurations.format(firstStreamWait));
        }
        Duration streamOpenTimeout = Settings.positiveDuration(settings, "stream_open_timeout");
        if (streamOpenTimeout.compareTo(MAX_STREAM_OPEN_TIMEOUT) > 0) {
            throw new InvalidSettingException(settings.getValue("stream_open_timeout").origin(),
                    "stream_open_timeout", "must be at most " + GoDurations.format(MAX_STREAM_OPEN_TIMEOUT)
                            + ", was " + GoDurations.format(streamOpenTimeout));
        }
        long streamBytes = bytesAtLeast(settings, "stream_receive_buffer", 1024);
        long sessionBytes = bytesAtLeast(settings, "session_receive_buffer", 1024);
        if (sessionBytes < streamBytes) {
            throw new InvalidSettingException(settings.getValue("session_receive_buffer").origin(),
                    "session_receive_buffer", "must be >= stream_receive_buffer (" + streamBytes + " bytes), was "
                            + sessionBytes + " bytes");
        }
        ClientTlsSettings tls = ClientTlsSettings.parse(settings.getConfig("tls"), server, "tls.");
        return new ClientSettings(server, port, ClientFrames.passwordHash(password), clientMetadata,
                connectTimeout, streamBytes, sessionBytes, firstStreamWait, streamOpenTimeout, tls);
    }

    private static String requiredString(Config settings, String key) {
        if (!settings.hasPath(key)) {
            var value = settings.root().get(key); // a top-level key; a null value still has an origin
            throw new InvalidSettingException(value == null ? null : value.origin(), key, "is required");
        }
        try {
            return settings.getString(key);
        } catch (ConfigException.WrongType e) {
            throw new InvalidSettingException(settings.getValue(key).origin(), key, "must be a string");
        }
    }

    private static long bytesAtLeast(Config settings, String key, long min) {
        long value;
        try {
            value = settings.getBytes(key);
        } catch (ConfigException.BadValue | ConfigException.WrongType e) {
            throw new InvalidSettingException(settings.getValue(key).origin(), key,
                    "must be a size in bytes, e.g. 256KiB");
        }
        if (value < min) {
            throw new InvalidSettingException(settings.getValue(key).origin(), key,
                    "must be >= " + min + " bytes, was " + value);
        }
        return value;
    }
}
