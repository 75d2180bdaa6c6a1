package dev.taskmaster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The channel over a real Unix socket: calls work, failures are UNAVAILABLE, close releases every thread. */
class DaemonChannelTest {

    @TempDir
    Path tmp;

    @Test
    void callsReachADaemonOnAUnixSocket() throws Exception {
        Path socket = tmp.resolve("t.sock");
        EventLoopGroup serverLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(serverLoop).workerEventLoopGroup(serverLoop)
                .addService(new TaskmasterServiceGrpc.TaskmasterServiceImplBase() {
                    @Override
                    public void getServerInfo(GetServerInfoRequest request, StreamObserver<GetServerInfoResponse> response) {
                        response.onNext(GetServerInfoResponse.newBuilder().setPid(4242).setInstanceName("t").build());
                        response.onCompleted();
                    }
                })
                .build().start();
        try (DaemonChannel daemon = DaemonChannel.open(socket)) {
            assertThat(daemon.target()).isEqualTo("unix://" + socket);
            GetServerInfoResponse info = daemon.blockingStub(Duration.ofSeconds(10)).getServerInfo(GetServerInfoRequest.getDefaultInstance());
            assertThat(info.getPid()).isEqualTo(4242);
            assertThat(daemon.blockingStub(Duration.ofSeconds(10)).getCallOptions().getDeadline()).isNotNull();
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            serverLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aMissingSocketIsUnavailableAtOnce() {
        try (DaemonChannel daemon = DaemonChannel.open(tmp.resolve("nobody-home.sock"))) {
            assertThatThrownBy(() -> daemon.blockingStub(Duration.ofSeconds(10)).getServerInfo(GetServerInfoRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        }
    }

    @Test
    void closeStopsTheChannelAndItsEventLoopThread() {
        long before = nettyThreads();
        DaemonChannel daemon = DaemonChannel.open(tmp.resolve("nobody-home.sock"));
        assertThatThrownBy(() -> daemon.blockingStub(Duration.ofSeconds(10)).getServerInfo(GetServerInfoRequest.getDefaultInstance()))
                .isInstanceOf(StatusRuntimeException.class);
        long start = System.nanoTime();
        daemon.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(daemon.channel().isTerminated()).isTrue();
        // The loop's termination future completes on the loop thread just before that thread
        // exits, so the thread may still be alive for an instant: wait for it, with a deadline.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (nettyThreads() > before && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        assertThat(nettyThreads()).isLessThanOrEqualTo(before);
        daemon.close(); // idempotent
    }

    /** Live threads of Netty event loops (named "multiThreadIoEventLoopGroup-…"). */
    private static long nettyThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("multiThreadIoEventLoopGroup"))
                .count();
    }
}
