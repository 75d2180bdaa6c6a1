package dev.taskmaster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The forms a user may write a daemon's address in, and what each wrong one is told. */
class ServerAddressTest {

    @Test
    void unixAddressesAndPaths() {
        assertThat(ServerAddress.parse("unix:///run/tm/default.sock")).isEqualTo(new ServerAddress.Unix(Path.of("/run/tm/default.sock")));
        assertThat(ServerAddress.parse("unix:/run/tm/a.sock")).isEqualTo(new ServerAddress.Unix(Path.of("/run/tm/a.sock")));
        assertThat(ServerAddress.parse("/tmp/x/../y.sock")).isEqualTo(new ServerAddress.Unix(Path.of("/tmp/y.sock")));
        assertThat(ServerAddress.parse("./y.sock")).isEqualTo(new ServerAddress.Unix(Path.of("y.sock").toAbsolutePath()));
        assertThat(ServerAddress.parse("unix:///run/tm/default.sock").toString()).isEqualTo("unix:///run/tm/default.sock");
    }

    @Test
    void tcpAddresses() {
        assertThat(ServerAddress.parse("web1.example.com:7443")).isEqualTo(new ServerAddress.Tcp("web1.example.com", 7443));
        assertThat(ServerAddress.parse("WEB1:1")).isEqualTo(new ServerAddress.Tcp("web1", 1));
        assertThat(ServerAddress.parse("127.0.0.1:65535")).isEqualTo(new ServerAddress.Tcp("127.0.0.1", 65535));
        ServerAddress v6 = ServerAddress.parse("[::1]:7443");
        assertThat(v6).isEqualTo(new ServerAddress.Tcp("::1", 7443));
        assertThat(v6.toString()).isEqualTo("[::1]:7443");
    }

    @Test
    void onlyLoopbackLiteralsAndLocalhostAreLoopback() {
        assertThat(((ServerAddress.Tcp) ServerAddress.parse("127.0.0.1:1")).loopback()).isTrue();
        assertThat(((ServerAddress.Tcp) ServerAddress.parse("127.3.4.5:1")).loopback()).isTrue();
        assertThat(((ServerAddress.Tcp) ServerAddress.parse("[::1]:1")).loopback()).isTrue();
        assertThat(((ServerAddress.Tcp) ServerAddress.parse("localhost:1")).loopback()).isTrue();
        assertThat(((ServerAddress.Tcp) ServerAddress.parse("10.0.0.1:1")).loopback()).isFalse();
        assertThat(((ServerAddress.Tcp) ServerAddress.parse("[fe80::1]:1")).loopback()).isFalse();
        // A name is never resolved to decide: it could resolve anywhere.
        assertThat(((ServerAddress.Tcp) ServerAddress.parse("loopback.example:1")).loopback()).isFalse();
        assertThat(((ServerAddress.Tcp) ServerAddress.parse("127.0.0.1.example:1")).loopback()).isFalse();
    }

    @Test
    void eachWrongFormSaysWhatIsWrong() {
        assertThatThrownBy(() -> ServerAddress.parse("web1")).isInstanceOf(TargetException.class)
                .hasMessage("invalid server address \"web1\": no port; a TCP address is HOST:PORT (a socket path needs a '/', e.g. ./web1);"
                        + " expected HOST:PORT, [IPV6]:PORT, unix:///PATH or a socket path containing '/'");
        assertThatThrownBy(() -> ServerAddress.parse("web1:http")).hasMessageContaining("the port must be a number from 1 to 65535, found \"http\"");
        assertThatThrownBy(() -> ServerAddress.parse("web1:0")).hasMessageContaining("found \"0\"");
        assertThatThrownBy(() -> ServerAddress.parse("web1:65536")).hasMessageContaining("found \"65536\"");
        assertThatThrownBy(() -> ServerAddress.parse("::1:7443")).hasMessageContaining("an IPv6 address goes in brackets: [::1]:7443");
        assertThatThrownBy(() -> ServerAddress.parse("[::1]7443")).hasMessageContaining("an IPv6 address is written [ADDRESS]:PORT");
        assertThatThrownBy(() -> ServerAddress.parse("[web]:1")).hasMessageContaining("\"web\" is not an IPv6 address");
        assertThatThrownBy(() -> ServerAddress.parse("we b:1")).hasMessageContaining("\"we b\" is not a host name or IP address");
        assertThatThrownBy(() -> ServerAddress.parse("unix://run/x.sock")).hasMessageContaining("unix:///PATH (three slashes)");
        assertThatThrownBy(() -> ServerAddress.parse("unix:")).hasMessageContaining("no socket path after unix:");
        assertThatThrownBy(() -> ServerAddress.parse(" ")).hasMessageContaining("it is empty");
        assertThat(catchKind(() -> ServerAddress.parse("x"))).isEqualTo(TargetException.Kind.INVALID);
    }

    static TargetException.Kind catchKind(Runnable r) {
        try {
            r.run();
        } catch (TargetException e) {
            return e.kind();
        }
        throw new AssertionError("no TargetException");
    }
}
