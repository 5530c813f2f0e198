package org.anytls4j.core.cli;

import io.netty.channel.epoll.Epoll;
import io.netty.handler.ssl.OpenSsl;
import io.netty.util.internal.PlatformDependent;
import org.anytls4j.api.ApiVersion;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code anytls4j -V}: product version, SPI version, the TLS provider in use, who allocates Netty's direct memory and
 * Netty's transport: what an operator checks when a host is slower than it should be (both native libraries load
 * from the launcher's {@code lib/native/}; where they do not, Netty falls back to the JDK's TLS and to NIO).
 * Stateless.
 */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {
            "anytls4j " + ApiVersion.PRODUCT,
            "API " + ApiVersion.API,
            "TLS provider: " + tlsProvider(),
            "Direct buffers: " + directBuffers(),
            "Transport: " + transport(),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
        };
    }

    /** {@code OpenSSL (BoringSSL)} when netty-tcnative loads, else {@code JDK}. */
    static String tlsProvider() {
        try {
            if (OpenSsl.isAvailable()) {
                return "OpenSSL (" + OpenSsl.versionString() + ")";
            }
        } catch (LinkageError e) {
            // no native library for this platform: the JDK provider is used
        }
        return "JDK";
    }

    /** {@code epoll (native)} when Netty's epoll library loads, else {@code NIO} and the reason. */
    static String transport() {
        try {
            if (Epoll.isAvailable()) {
                return "epoll (native)";
            }
            return "NIO (epoll not available: " + Epoll.unavailabilityCause() + ")";
        } catch (LinkageError e) {
            return "NIO (epoll not available: " + e + ")";
        }
    }

    /**
     * Whether Netty allocates its direct memory itself ({@code malloc}, not zeroed: what the launcher's
     * {@code --add-opens java.base/java.nio=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true} allow) or through
     * {@code ByteBuffer.allocateDirect}, which zeroes every new pool chunk.
     */
    static String directBuffers() {
        return PlatformDependent.useDirectBufferNoCleaner()
                ? "allocated by Netty, not zeroed"
                : "allocated by the JDK, zeroed";
    }
}
