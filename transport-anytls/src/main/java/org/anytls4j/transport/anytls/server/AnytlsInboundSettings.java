package org.anytls4j.transport.anytls.server;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.anytls4j.api.Destination;
import org.anytls4j.api.Digests;
import org.anytls4j.api.InvalidSettingException;
import org.anytls4j.api.Settings;
import org.anytls4j.transport.anytls.Passwords;
import org.anytls4j.transport.anytls.frame.Frame;
import org.anytls4j.transport.anytls.padding.PaddingScheme;
import org.anytls4j.transport.anytls.tls.ServerTlsSettings;
import org.slf4j.LoggerFactory;

/**
 * One {@code anytls} inbound block, read once at start-up (keys, defaults and ranges: {@code anytls-server.conf}
 * under {@code anytls4j.inbound.anytls}).
 *
 * <p>Passwords are kept only as their SHA-256, which is what the client sends; neither is ever logged.
 *
 * @param listen               address to bind
 * @param listenPort           port to bind, 0 for any free port
 * @param users                accepted users, at least one, distinct passwords
 * @param paddingScheme        the scheme pushed to clients whose {@code padding-md5} differs
 * @param tls                  the TLS block
 * @param fallback             where failed authentications are relayed, if anywhere
 * @param authTimeoutNanos     deadline for the authentication preamble after the TLS handshake
 * @param maxStreamsPerSession concurrent streams allowed per session
 * @param sessionIdleTimeoutNanos close a session without streams and traffic for this long; 0 = never
 * @param streamPendingBytes   per-stream bound of bytes queued toward the client or the target
 * @param sessionPendingBytes  per-session bound of bytes queued toward the client and the targets: past it the
 *                             session stops reading
 * @param sessionWriteStallTimeoutNanos close a session held over {@code sessionPendingBytes} whose client drains
 *                             nothing for this long
 * @param frameReadTimeoutNanos close a session whose client stops in the middle of a frame for this long;
 *                             0 = never
 * @param inboundPendingBytes  bound of the bytes all sessions of the inbound hold: above it new connections are
 *                             refused at accept
 */
public record AnytlsInboundSettings(
        String listen,
        int listenPort,
        List<User> users,
        PaddingScheme paddingScheme,
        ServerTlsSettings tls,
        Optional<Destination> fallback,
        long authTimeoutNanos,
        int maxStreamsPerSession,
        long sessionIdleTimeoutNanos,
        int streamPendingBytes,
        int sessionPendingBytes,
        long sessionWriteStallTimeoutNanos,
        long frameReadTimeoutNanos,
        long inboundPendingBytes) {

    /** Smallest {@code stream_pending_bytes}: one maximal frame must fit. */
    static final int MIN_STREAM_PENDING_BYTES = Frame.MAX_DATA_LENGTH + 1;
    /** Largest {@code stream_pending_bytes}. */
    static final int MAX_STREAM_PENDING_BYTES = 256 << 20;
    /** Smallest {@code session_pending_bytes}: one maximal frame and its replies must fit. */
    static final int MIN_SESSION_PENDING_BYTES = 128 << 10;
    /** Largest {@code session_pending_bytes}. */
    static final int MAX_SESSION_PENDING_BYTES = 1 << 30;
    /** Smallest {@code inbound_pending_bytes}. */
    static final long MIN_INBOUND_PENDING_BYTES = MIN_SESSION_PENDING_BYTES;

    public AnytlsInboundSettings {
        requireNonNull(listen, "listen");
        users = List.copyOf(users);
        requireNonNull(paddingScheme, "paddingScheme");
        requireNonNull(tls, "tls");
        requireNonNull(fallback, "fallback");
    }

    /**
     * A user: a name for the logs and the SHA-256 of the password.
     *
     * @param name         shown in logs; the password never is
     * @param passwordHash SHA-256 of the password's UTF-8 bytes (32 bytes)
     */
    public record User(String name, byte[] passwordHash) {
        public User {
            requireNonNull(name, "name");
            if (passwordHash.length != 32) {
                throw new IllegalArgumentException("a password hash has 32 bytes, was " + passwordHash.length);
            }
            passwordHash = passwordHash.clone();
        }

        /** A user with this name and password. */
        public static User withPassword(String name, String password) {
            return new User(name, Digests.sha256(password));
        }

        @Override
        public byte[] passwordHash() {
            return passwordHash.clone();
        }

        @Override
        public String toString() {
            return "User(" + name + ")";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof User u && u.name.equals(name) && Arrays.equals(u.passwordHash, passwordHash);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(passwordHash);
        }
    }

    /**
     * Reads an inbound block.
     *
     * @param c the block with the plugin's defaults applied
     * @throws InvalidSettingException or {@link ConfigException} naming the key
     */
    public static AnytlsInboundSettings parse(Config c) {
        return parse(c, warning -> LoggerFactory.getLogger(AnytlsInboundSettings.class).warn("{}", warning));
    }

    /**
     * Reads an inbound block, handing what is accepted but unwise (a short password) to {@code warnings}.
     *
     * @param c        the block with the plugin's defaults applied
     * @param warnings receives one line per warning, naming the key
     * @throws InvalidSettingException or {@link ConfigException} naming the key
     */
    public static AnytlsInboundSettings parse(Config c, Consumer<String> warnings) {
        String listen = required(c, "listen").getString("listen");
        int port = Settings.intInRange(c, "listen_port", 0, 65535);
        List<User> users = parseUsers(c, warnings);
        PaddingScheme scheme = parseScheme(c);
        ServerTlsSettings tls = ServerTlsSettings.parse(c.getConfig("tls"), "tls.");
        Optional<Destination> fallback = parseFallback(c);
        Duration authTimeout = c.getDuration("auth_timeout");
        if (authTimeout.isNegative() || authTimeout.isZero() || authTimeout.compareTo(Duration.ofHours(1)) > 0) {
            throw bad(c, "auth_timeout", "must be in (0s, 1h], was " + authTimeout);
        }
        int maxStreams = Settings.intAtLeast(c, "max_streams_per_session", 1);
        Duration idle = c.getDuration("session_idle_timeout");
        if (idle.isNegative()) {
            throw bad(c, "session_idle_timeout", "must be >= 0s (0s = off), was " + idle);
        }
        long pending = c.getBytes("stream_pending_bytes");
        if (pending < MIN_STREAM_PENDING_BYTES || pending > MAX_STREAM_PENDING_BYTES) {
            throw bad(c, "stream_pending_bytes", "must be in " + MIN_STREAM_PENDING_BYTES + ".."
                    + MAX_STREAM_PENDING_BYTES + " bytes, was " + pending);
        }
        long sessionPending = c.getBytes("session_pending_bytes");
        if (sessionPending < MIN_SESSION_PENDING_BYTES || sessionPending > MAX_SESSION_PENDING_BYTES) {
            throw bad(c, "session_pending_bytes", "must be in " + MIN_SESSION_PENDING_BYTES + ".."
                    + MAX_SESSION_PENDING_BYTES + " bytes, was " + sessionPending);
        }
        Duration stall = c.getDuration("session_write_stall_timeout");
        if (stall.isNegative() || stall.isZero() || stall.compareTo(Duration.ofHours(1)) > 0) {
            throw bad(c, "session_write_stall_timeout", "must be in (0s, 1h], was " + stall);
        }
        Duration frameRead = c.getDuration("frame_read_timeout");
        if (frameRead.isNegative() || frameRead.compareTo(Duration.ofHours(1)) > 0) {
            throw bad(c, "frame_read_timeout", "must be in [0s, 1h] (0s = off), was " + frameRead);
        }
        long inboundPending = c.getIsNull("inbound_pending_bytes") ? Runtime.getRuntime().maxMemory() / 4
                : c.getBytes("inbound_pending_bytes");
        if (inboundPending < MIN_INBOUND_PENDING_BYTES) {
            throw bad(c, "inbound_pending_bytes", "must be at least " + MIN_INBOUND_PENDING_BYTES + " bytes, was "
                    + inboundPending);
        }
        return new AnytlsInboundSettings(listen, port, users, scheme, tls, fallback, authTimeout.toNanos(),
                maxStreams, idle.toNanos(), (int) pending, (int) sessionPending, stall.toNanos(), frameRead.toNanos(),
                inboundPending);
    }

    private static List<User> parseUsers(Config c, Consumer<String> warnings) {
        List<? extends Config> blocks = c.getConfigList("users");
        if (blocks.isEmpty()) {
            throw bad(c, "users", "at least one user { name, password } is required");
        }
        List<User> users = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            Config u = blocks.get(i);
            String key = "users[" + i + "].";
            String password = Passwords.read(u, "password", u.origin(), key + "password");
            Passwords.warning(password, key + "password").ifPresent(warnings);
            String name = u.hasPath("name") ? u.getString("name") : "#" + i;
            User user = User.withPassword(name, password);
            for (int j = 0; j < users.size(); j++) {
                if (MessageDigest.isEqual(users.get(j).passwordHash, user.passwordHash)) {
                    throw new InvalidSettingException(u.getValue("password").origin(), key + "password",
                            "same password as users[" + j + "]; each user needs a distinct password");
                }
            }
            users.add(user);
        }
        return users;
    }

    private static PaddingScheme parseScheme(Config c) {
        // sing-box documents "padding_scheme": [] as "the default", like null
        if (c.getIsNull("padding_scheme") || c.getStringList("padding_scheme").isEmpty()) {
            return PaddingScheme.DEFAULT;
        }
        String text = String.join("\n", c.getStringList("padding_scheme")); // sing-box: no trailing newline
        int length = text.getBytes(StandardCharsets.UTF_8).length;
        if (length > Frame.MAX_DATA_LENGTH) {
            throw bad(c, "padding_scheme", "must fit one frame (" + Frame.MAX_DATA_LENGTH + " bytes), was "
                    + length + " bytes");
        }
        try {
            return PaddingScheme.parseConfigured(text);
        } catch (IllegalArgumentException e) {
            throw bad(c, "padding_scheme", e.getMessage());
        }
    }

    private static Optional<Destination> parseFallback(Config c) {
        if (c.getIsNull("fallback")) {
            return Optional.empty();
        }
        Config f = c.getConfig("fallback");
        if (f.getIsNull("server") && f.getIsNull("server_port")) {
            return Optional.empty();
        }
        if (f.getIsNull("server") || f.getIsNull("server_port")) {
            String missing = f.getIsNull("server") ? "server" : "server_port";
            throw new InvalidSettingException(f.origin(), "fallback." + missing,
                    "fallback needs both server and server_port");
        }
        String server = f.getString("server");
        if (server.isEmpty()) {
            throw new InvalidSettingException(f.getValue("server").origin(), "fallback.server", "must not be empty");
        }
        int port = Settings.intInRange(c, "fallback.server_port", 1, 65535);
        return Optional.of(new Destination(server, port));
    }

    private static Config required(Config c, String key) {
        if (c.getIsNull(key)) {
            throw new InvalidSettingException(c.origin(), key, "is required");
        }
        return c;
    }

    private static InvalidSettingException bad(Config c, String key, String problem) {
        return new InvalidSettingException(c.hasPath(key) ? c.getValue(key).origin() : c.origin(), key, problem);
    }
}
