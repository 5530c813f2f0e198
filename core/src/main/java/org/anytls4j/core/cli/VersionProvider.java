package org.anytls4j.core.cli;

import io.netty.handler.ssl.OpenSsl;
import io.netty.util.internal.PlatformDependent;
import org.anytls4j.api.ApiVersion;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code anytls4j -V}: product version, SPI version, the TLS provider in use and who allocates Netty's direct memory.
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
