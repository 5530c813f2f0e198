package org.anytls4j.core.inbound;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.anytls4j.api.GoDurations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The time a connection to a SOCKS or HTTP inbound has to finish its request ({@code request_timeout}): its
 * greeting, credentials and command, or its request line and headers. Without it a client that connected and sent
 * nothing, or half a request, held its socket and its slot for as long as it liked, a way to run a listener out of
 * file descriptors from any address that can reach it. The deadline starts with the connection
 * ({@link ProtocolDetector}) and ends when the request is complete: a stream is asked for, or a UDP association
 * set up; from then on the connection may be as quiet as its use is.
 *
 * <h2>Threading</h2>
 * Everything runs on the connection's event loop.
 */
final class RequestDeadline {
    private static final Logger log = LoggerFactory.getLogger(RequestDeadline.class);
    private static final AttributeKey<ScheduledFuture<?>> DEADLINE = AttributeKey.valueOf("anytls4j.request-deadline");

    private RequestDeadline() {
    }

    /** Closes {@code connection} if its request is not complete within {@code timeout}. Once per connection. */
    static void start(Channel connection, Duration timeout, String inboundTag) {
        if (connection.attr(DEADLINE).get() != null) {
            return;
        }
        ScheduledFuture<?> deadline = connection.eventLoop().schedule(() -> {
            if (connection.isActive()) {
                log.debug("inbound={} client={} closing: no complete request within request_timeout={}",
                        inboundTag, connection.remoteAddress(), GoDurations.format(timeout));
            }
            connection.close();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        connection.attr(DEADLINE).set(deadline);
        connection.closeFuture().addListener(f -> deadline.cancel(false));
    }

    /** The request of {@code connection} is complete: no deadline any more. */
    static void met(Channel connection) {
        ScheduledFuture<?> deadline = connection.attr(DEADLINE).getAndSet(null);
        if (deadline != null) {
            deadline.cancel(false);
        }
    }
}
