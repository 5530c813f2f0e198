package org.anytls4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AddressesTest {
    @Test
    void formatsSocketAddressesAsOperatorsPasteThem() throws Exception {
        assertThat(Addresses.format(new InetSocketAddress("127.0.0.1", 8443))).isEqualTo("127.0.0.1:8443");
        assertThat(Addresses.format(new InetSocketAddress(InetAddress.getByName("::1"), 8443)))
                .isEqualTo("[::1]:8443");
        assertThat(Addresses.format(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8443)))
                .isEqualTo("127.0.0.1:8443");
        assertThat(Addresses.format(new InetSocketAddress(
                InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1}), 80))).isEqualTo("localhost:80");
        assertThat(Addresses.format(InetSocketAddress.createUnresolved("example.com", 443)))
                .isEqualTo("example.com:443");
        assertThat(Addresses.format(InetAddress.getByName("2001:db8:0:0:0:0:0:1"), 9)).isEqualTo("[2001:db8::1]:9");
        assertThat(Addresses.format((InetSocketAddress) null)).isEqualTo("-");
        assertThat(Addresses.hostPort("::1", 1)).isEqualTo("[::1]:1");
        assertThat(Addresses.hostPort("[::1]", 1)).isEqualTo("[::1]:1");
    }

    @Test
    void cleansJavasAddressFormsInsideMessages() {
        assertThat(Addresses.clean("Connection refused: /127.0.0.1:9")).isEqualTo("Connection refused: 127.0.0.1:9");
        assertThat(Addresses.clean("connect to 127.0.0.1/127.0.0.1:8443 failed"))
                .isEqualTo("connect to 127.0.0.1:8443 failed");
        assertThat(Addresses.clean("to localhost/127.0.0.1:80")).isEqualTo("to localhost:80");
        assertThat(Addresses.clean("from /0:0:0:0:0:0:0:1:8443, /10.0.0.1:1"))
                .isEqualTo("from [::1]:8443, 10.0.0.1:1");
        assertThat(Addresses.clean("bound {local=/[0:0:0:0:0:0:0:1]:37279}")).isEqualTo("bound {local=[::1]:37279}");
        assertThat(Addresses.clean(new InetSocketAddress("::1", 5).toString())).isEqualTo("[::1]:5");
        assertThat(Addresses.clean("/fe80:0:0:0:0:0:0:1%lo:53")).isEqualTo("[fe80::1%lo]:53");
        assertThat(Addresses.clean("see http://10.0.0.1:80/x and /etc/hosts and dial tcp 1.2.3.4:5"))
                .isEqualTo("see http://10.0.0.1:80/x and /etc/hosts and dial tcp 1.2.3.4:5");
        assertThat(Addresses.clean(null)).isNull();
    }
}
