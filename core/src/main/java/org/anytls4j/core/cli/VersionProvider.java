package org.anytls4j.core.cli;

import io.netty.handler.ssl.OpenSsl;
import org.anytls4j.api.ApiVersion;
import picocli.CommandLine.IVersionProvider;

/** {@code anytls4j -V}: product version, SPI version and the TLS provider in use. Stateless. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {
            "anytls4j " + ApiVersion.PRODUCT,
            "API " + ApiVersion.API,
            "TLS provider: " + tlsProvider(),
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
}
