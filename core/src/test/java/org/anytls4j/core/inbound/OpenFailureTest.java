package org.anytls4j.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class OpenFailureTest {
    @Test
    void describesAFailureWithAddressesAsOperatorsPasteThem() {
        assertThat(OpenFailure.describe(new CompletionException(
                new ConnectException("Connection refused: localhost/127.0.0.1:9"))))
                .isEqualTo("Connection refused: localhost:9");
        assertThat(OpenFailure.describe(new ConnectException("Connection refused: /[0:0:0:0:0:0:0:1]:9")))
                .isEqualTo("Connection refused: [::1]:9");
    }
}
