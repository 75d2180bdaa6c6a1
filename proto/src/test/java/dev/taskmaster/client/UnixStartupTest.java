package dev.taskmaster.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client of a Unix socket stays as light as before TLS existed: in a fresh JVM, a call over
 * the socket loads no TLS class, no YAML and none of the TCP-only code. (Start-up time is what
 * a one-shot {@code taskmasterctl status} is judged by.)
 */
class UnixStartupTest {

    @TempDir
    Path tmp;

    /** Run in the child JVM: one call over the socket named by {@code args[0]}. */
    public static final class Probe {
        public static void main(String[] args) {
            try (DaemonChannel c = DaemonChannel.open(DaemonTarget.unix(Path.of(args[0])))) {
                System.out.println("pid " + c.blockingStub(Duration.ofSeconds(10)).getServerInfo(GetServerInfoRequest.getDefaultInstance()).getPid());
            }
        }
    }

    @Test
    void aUnixSocketCallLoadsNoTlsClass() throws Exception {
        Path socket = tmp.resolve("t.sock");
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loop).workerEventLoopGroup(loop)
                .addService(new TaskmasterServiceGrpc.TaskmasterServiceImplBase() {
                    @Override
                    public void getServerInfo(GetServerInfoRequest request, StreamObserver<GetServerInfoResponse> response) {
                        response.onNext(GetServerInfoResponse.newBuilder().setPid(77).build());
                        response.onCompleted();
                    }
                }).build().start();
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xlog:class+load=info:stdout", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    Probe.class.getName(), socket.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("pid 77");
            List<String> loaded = out.lines().filter(l -> l.contains("[class,load]")).toList();
            assertThat(loaded).hasSizeGreaterThan(500); // the log is really there
            // gRPC's own ProtocolNegotiators names a few javax.net.ssl types (exceptions, a key manager factory) on
            // every channel; the TLS machinery itself (JSSE, Netty's SslHandler, a TLS context) is what must not load.
            assertThat(loaded).noneMatch(l -> l.contains("sun.security.ssl.") || l.contains(".netty.handler.ssl.")
                    || l.contains("javax.net.ssl.SSLContext") || l.contains("org.yaml.")
                    || l.contains("dev.taskmaster.client.TcpChannels") || l.contains("dev.taskmaster.client.TlsContexts")
                    || l.contains("dev.taskmaster.client.ContextsFile") || l.contains("dev.taskmaster.client.BearerToken"));
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
