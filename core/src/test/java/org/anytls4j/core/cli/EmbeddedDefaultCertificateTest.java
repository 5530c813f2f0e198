package org.anytls4j.core.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.anytls4j.api.Tool;
import org.junit.jupiter.api.Test;

/**
 * The embedded default of {@code anytls4j run} gets its certificate from the transport's {@code certificate} tool
 * (core has no certificate code): it reads what the tool wrote, pins it, and leaves no file behind.
 */
class EmbeddedDefaultCertificateTest {
    /** Written by the anytls transport's certificate tool; the pin it printed. */
    private static final String CERTIFICATE = """
            -----BEGIN CERTIFICATE-----
            MIIBWjCCAQGgAwIBAgIJANkCF9YVy549MAoGCCqGSM49BAMCMBQxEjAQBgNVBAMM
            CWxvY2FsaG9zdDAeFw0yNjEyMDExNzQ0MDBaFw0zNjExMjgxODQ0MDBaMBQxEjAQ
            BgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABLaZMKk1
            xKPXGKfVY5/DhXxCgsBgnODk8Bf9NWCKBGsH1FEXEbh5VUX8pHZKXxnN+86U3J5F
            /UXv1mTtAvVlauOjPDA6MAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeAMBoG
            A1UdEQQTMBGCCWxvY2FsaG9zdIcEfwAAATAKBggqhkjOPQQDAgNHADBEAiBrw/Tz
            7L6uvGS0UNmA/rG4fUeoRAUYFaiK/DcprdD2EAIgNWjf20G72jI5QEb10kvN163t
            x1BR10Z8mxvogdZrtvM=
            -----END CERTIFICATE-----
            """;
    private static final String KEY = """
            -----BEGIN PRIVATE KEY-----
            MEECAQAwEwYHKoZIzj0CAQYIKoZIzj0DAQcEJzAlAgEBBCBMckJpidBp55gb9iMk
            phNDQWRS+SfC0BxJsYyl3P3OyA==
            -----END PRIVATE KEY-----
            """;
    private static final String PIN = "yDCafl4tGRYs8nh/+qqxfyIFmzno0dT1/1/vtf0z5zA=";

    /** Writes the fixed pair where it is told, as the transport's tool does, and remembers the directory. */
    private static class FakeCertificateTool implements Tool {
        final List<Path> directories = new ArrayList<>();

        @Override
        public String name() {
            return "certificate";
        }

        @Override
        public String description() {
            return "fixed pair";
        }

        @Override
        public int run(List<String> args, PrintWriter out, PrintWriter err) {
            assertThat(args).containsExactly("--out-dir", args.get(1), "--name", "localhost");
            Path directory = Path.of(args.get(1));
            directories.add(directory);
            try {
                Files.writeString(directory.resolve("cert.pem"), CERTIFICATE);
                Files.writeString(directory.resolve("key.pem"), KEY);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return 0;
        }
    }

    @Test
    void theServerGetsTheToolsPairTheClientPinsItAndNoFileIsLeft() {
        FakeCertificateTool tool = new FakeCertificateTool();

        EmbeddedDefault embedded = EmbeddedDefault.generate(tool);
        Config config = embedded.config();

        assertThat(embedded.publicKeyPin()).isEqualTo(PIN);
        Config server = config.getConfigList("inbounds").get(1);
        assertThat(server.getString("tls.certificate")).isEqualTo(CERTIFICATE);
        assertThat(server.getString("tls.key")).isEqualTo(KEY);
        assertThat(config.getConfigList("outbounds").get(0).getStringList("tls.certificate_public_key_sha256"))
                .containsExactly(PIN);
        assertThat(tool.directories).hasSize(1);
        assertThat(tool.directories.get(0)).doesNotExist();
    }

    @Test
    void aFailingToolIsAnErrorWithWhatItSaid() {
        Tool failing = new FakeCertificateTool() {
            @Override
            public int run(List<String> args, PrintWriter out, PrintWriter err) {
                err.println("generate certificate: permission denied: /tmp/x");
                return 1;
            }
        };

        assertThatThrownBy(() -> EmbeddedDefault.generate(failing)).isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot make the embedded server's certificate: generate certificate: permission denied:"
                        + " /tmp/x");
    }
}
