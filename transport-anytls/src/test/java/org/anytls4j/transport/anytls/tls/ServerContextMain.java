package org.anytls4j.transport.anytls.tls;

import com.typesafe.config.ConfigFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.LoggerFactory;

/**
 * A child JVM's main for {@link BouncyCastleFreeStartTest}: reads a {@code tls} block with the given certificate and
 * key files and builds the server context, as an {@code anytls} inbound does at start-up, then prints {@code built}.
 */
public final class ServerContextMain {
    private ServerContextMain() {
    }

    public static void main(String[] args) {
        var tls = ConfigFactory.parseMap(java.util.Map.of("certificate_path", args[0], "key_path", args[1]))
                .withFallback(ConfigFactory.parseString("enabled = true, certificate = null, key = null, alpn = null,"
                        + " min_version = null, max_version = null, state_dir = null"));
        SslContext context = ServerTlsSettings.parse(tls, "tls.").newContext(
                LoggerFactory.getLogger(ServerContextMain.class), "probe", "tls.");
        ReferenceCountUtil.release(context);
        System.out.println("built " + context.getClass().getSimpleName());
    }
}
