package dev.taskmaster.server.metrics;

import dev.taskmaster.config.ListenerSpec;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.syslog.SyslogSender;
import io.grpc.ServerInterceptor;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code server.metrics}: the daemon's Prometheus metrics, served as {@code /metrics} in the
 * Prometheus text format on a loopback address by the Prometheus client's HTTP server (one
 * thread: scrapes come one at a time). Per process (see {@link ProcessCollector}), per daemon
 * ({@link DaemonCollector}), the API ({@link RpcMetrics}) and the JVM. See docs/metrics.md.
 *
 * <p>Threading: {@link #serve} and {@link #stopServing} from the daemon's main thread; the
 * collectors run on the server's thread and read snapshots, never the engine thread.
 */
public final class DaemonMetrics implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DaemonMetrics.class);

    private final ListenerSpec address;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ProcessBoard board = new ProcessBoard();
    private final RpcMetrics rpc;
    private volatile HTTPServer server;
    private volatile ExecutorService executor;

    /** @param syslog the syslog sender, or null while nothing went to syslog */
    public DaemonMetrics(ListenerSpec address, Outputs outputs, java.util.function.Supplier<SyslogSender> syslog, String instance, String version,
            Instant started) {
        this.address = address;
        this.rpc = new RpcMetrics(registry);
        registry.register(new ProcessCollector(board, outputs, Path.of("/proc"), Clock.systemUTC()));
        registry.register(new DaemonCollector(board, syslog, instance, version, started));
        JvmMetrics.builder().register(registry);
    }

    /** The interceptor that times every API call; first in the chain. */
    public ServerInterceptor interceptor() {
        return rpc;
    }

    /** Follows the engine's processes and events from now on (before its programs start). */
    public void follow(Engine engine) {
        board.follow(engine);
    }

    /** Binds {@code /metrics}; a busy port or an address not of this machine is an IOException that names it. */
    public synchronized void serve() throws IOException {
        if (server != null) {
            return;
        }
        ExecutorService one = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("metrics-http").factory());
        try {
            // A literal or "localhost": resolved here, and the configuration allows loopback only.
            InetAddress host = InetAddress.getByName(address.host());
            server = HTTPServer.builder().inetAddress(host).port(address.port()).registry(registry).executorService(one)
                    .buildAndStart();
        } catch (IOException | RuntimeException e) {
            one.shutdownNow();
            throw new IOException("server.metrics " + address.address() + ": cannot listen: " + e.getMessage(), e);
        }
        executor = one;
        log.info("metrics served on http://{}/metrics", ListenerSpec.hostPort(address.host(), server.getPort()));
    }

    /** The port /metrics is served on (the one the system picked for port 0); -1 when not served. */
    public int port() {
        HTTPServer s = server;
        return s == null ? -1 : s.getPort();
    }

    /** Stops serving (shutdown, or before a re-exec, whose new image binds the port again). */
    public synchronized void stopServing() {
        HTTPServer s = server;
        server = null;
        if (s != null) {
            s.close();
        }
        ExecutorService e = executor;
        executor = null;
        if (e != null) {
            e.shutdownNow();
        }
    }

    @Override
    public void close() {
        stopServing();
    }

    /** For tests: what a scrape would show, in the text format. */
    PrometheusRegistry registry() {
        return registry;
    }

    ProcessBoard board() {
        return board;
    }

    /** The address /metrics is served on, for tests. */
    InetSocketAddress address() {
        return new InetSocketAddress(address.host(), port());
    }
}
