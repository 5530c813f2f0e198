package org.anytls4j.api.outbound;

import java.net.InetSocketAddress;
import java.util.Map;
import org.anytls4j.api.Experimental;

/**
 * A transport's part of {@code anytls4j run} without a configuration: the whole product on one machine, so that a
 * new user sees it work before writing a file. A {@link TransportFactory} implements it; the launcher takes the
 * first such transport (by type), adds its own local proxy inbound in front of the client outbound and a
 * {@code direct} outbound behind the server inbound, and prints {@link Demo#usage} once everything is bound.
 *
 * <h2>Threading</h2>
 * Called on the launcher's thread; may block (it may make keys and certificates).
 *
 * @since 2.0.0
 */
@Experimental
public interface QuickStart {
    /**
     * A server inbound and a client outbound of this transport, connected to each other on {@code loopback}, with
     * {@code password} and whatever else they need made anew on every call (e.g. a certificate the client pins).
     *
     * @param loopback    the address the server listens on and the client connects to, e.g. {@code 127.0.0.1}
     * @param serverPort  the server inbound's port
     * @param serverTag   the server inbound's tag
     * @param serverRoute the outbound tag the server inbound sends its streams to
     * @param clientTag   the client outbound's tag (the launcher's proxy inbound sends its streams there)
     * @param password    a fresh random password the client authenticates with
     * @throws IllegalStateException when the credentials cannot be made, with why
     */
    Demo demo(String loopback, int serverPort, String serverTag, String serverRoute, String clientTag,
            String password);

    /** One quick start: its blocks and what to tell the user. */
    interface Demo {
        /** The server inbound block ({@code type}, {@code tag}, {@code listen}, ...). */
        Map<String, Object> serverInbound();

        /** The client outbound block ({@code type}, {@code tag}, {@code server}, pool keys, ...). */
        Map<String, Object> clientOutbound();

        /**
         * What runs and how to use it, several lines ending with a newline.
         *
         * @param proxy  where the launcher's local SOCKS5/HTTP proxy was bound
         * @param server where the server inbound was bound
         */
        String usage(InetSocketAddress proxy, InetSocketAddress server);
    }
}
