package org.anytls4j.api.inbound;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;
import org.anytls4j.api.Stable;

/**
 * A configured listener ({@code inbounds = [{ type, tag, listen, listen_port, ... }]}).
 *
 * <h2>Lifecycle</h2>
 * Created at start-up, {@link #start()}ed once, {@link #stop()}ped once at shutdown. Stop closes the listening
 * socket and every connection the inbound accepted.
 */
@Stable
public interface Inbound {
    String tag();

    /** Binds; completes with the bound address (useful with {@code listen_port = 0}) or fails. */
    CompletionStage<InetSocketAddress> start();

    /** Stops listening and closes accepted connections. Idempotent. */
    CompletionStage<Void> stop();
}
