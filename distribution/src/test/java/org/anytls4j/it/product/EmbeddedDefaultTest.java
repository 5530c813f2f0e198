package org.anytls4j.it.product;

import static org.assertj.core.api.Assertions.assertThat;

import org.anytls4j.core.inbound.Curl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The first command of README.md, {@code bin/anytls4j run} without a configuration, from the packaged distribution:
 * it binds 127.0.0.1:1080 (the proxy) and 127.0.0.1:8443 (its own anytls server) by design, prints how to use it,
 * and a page fetched with the printed curl command (pointed at a local page instead of example.com) arrives through
 * the pinned anytls client and server. Then SIGTERM stops it. Fails when either port is taken on this machine, as
 * the README's command would.
 */
@Timeout(120)
class EmbeddedDefaultTest {
    @Test
    void runsWithoutAConfigurationAndProxiesWhatThePrintedCurlCommandsFetch() throws Exception {
        try (Origins origins = Origins.start(); Launched run = Launched.start("run")) {
            run.await("Host - started from the embedded default");
            run.await("outbound=proxy session=#\\d+ connected server=127\\.0\\.0\\.1:8443");
            String usage = run.out();
            assertThat(usage).contains("curl -x socks5h://127.0.0.1:1080 https://example.com")
                    .contains("curl -x http://127.0.0.1:1080 https://example.com")
                    .containsPattern("certificate_public_key_sha256 = \"[A-Za-z0-9+/]{43}=\"");
            String page = "http://localhost:" + origins.httpPort() + "/readme";

            for (String proxy : new String[] {"socks5h://127.0.0.1:1080", "http://127.0.0.1:1080"}) {
                Curl.Result result = Curl.run("-x", proxy, page);
                assertThat(result.exit()).as("%s: %s%nprocess log:%n%s", proxy, result.err(), run.log()).isZero();
                assertThat(result.out()).isEqualTo(Origins.body("/readme"));
            }

            run.stop();
            assertThat(run.log()).contains("inbound=local type=mixed stopped").contains("Host - stopped");
        }
    }
}
