package org.anytls4j.transport.anytls.server;

import java.util.concurrent.CountDownLatch;

/**
 * Runs an {@code anytls} inbound for the conformance probe ({@code ../shared/conformance/probe_server.py}):
 * {@code java ... ProbeServerMain [hocon]}, e.g. {@code "listen_port = 18443"}. The route is a direct TCP dial;
 * password {@value ServerHarness#PASSWORD}. Prints the bound address and runs until killed.
 */
public final class ProbeServerMain {
    private ProbeServerMain() {
    }

    public static void main(String[] args) throws Exception {
        ServerHarness server = ServerHarness.start(args.length > 0 ? args[0] : "");
        System.out.println("anytls inbound listening on " + server.address);
        new CountDownLatch(1).await();
    }
}
