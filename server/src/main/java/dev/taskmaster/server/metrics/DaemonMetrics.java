package dev.taskmaster.server.metrics;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.taskmaster.config.ListenerSpec;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.security.Authenticator;
import dev.taskmaster.server.syslog.SyslogSender;
import dev.taskmaster.server.transport.tls.ServerTls;
import dev.taskmaster.server.transport.tls.TlsFileException;
import io.grpc.ServerInterceptor;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code server.metrics}: the daemon's Prometheus metrics, served as {@code /metrics} in the
 * Prometheus text format by the JDK's HTTP server: plain HTTP on a loopback address, or HTTPS
 * with the API's authentication (a client certificate or a bearer token, the viewer role) on
 * any address. Per process ({@link ProcessExposition}), per daemon ({@link DaemonCollector}), the
 * API ({@link RpcMetrics}) and the JVM. See docs/metrics.md.
 *
 * <p>Threading: {@link #serve}, {@link #stopServing} and {@link #reloadCertificates} from the
 * daemon's threads (main, signal); requests run on virtual threads (a TLS handshake that stalls
 * holds one of them, not the scrapes of others), scrapes one at a time, reading snapshots, never
 * the engine thread.
 */
public final class DaemonMetrics implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DaemonMetrics.class);

    private final ListenerSpec address;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ProcessBoard board = new ProcessBoard();
    private final ProcessExposition processes;
    private final RpcMetrics rpc;
    private final DaemonCollector daemon;
    private final Authenticator identities;
    private volatile ServerTls tls;
    private volatile HttpServer server;
    private volatile ExecutorService executor;

    /**
     * @param syslog     the syslog sender, or null while nothing went to syslog
     * @param identities who calls, as the API tells it (used by the TLS form only)
     */
    public DaemonMetrics(ListenerSpec address, Outputs outputs, Supplier<SyslogSender> syslog, String instance,
            String version, Instant started, Authenticator identities) {
        this.address = address;
        this.identities = identities;
        this.rpc = new RpcMetrics(registry);
        this.processes = new ProcessExposition(board, outputs, new ProcUsage(Path.of("/proc")), Clock.systemUTC());
        registry.register(daemon = new DaemonCollector(board, syslog, instance, version, started));
        JvmMetrics.builder().register(registry);
    }

    /**
     * Counts notifications from {@code rows}, read at each scrape (the notifier's counters, which
     * are safe to read from any thread).
     */
    public void countNotifications(Supplier<List<dev.taskmaster.server.notify.NotifyCounters.Row>> rows) {
        daemon.countNotifications(rows);
    }

    /** The interceptor that times every API call; first in the chain. */
    public ServerInterceptor interceptor() {
        return rpc;
    }

    /** Follows the engine's processes and events from now on (before its programs start). */
    public void follow(Engine engine) {
        board.follow(engine);
    }

    /**
     * Binds {@code /metrics}; a busy port, an address not of this machine or TLS files that
     * cannot be used are an IOException that names them.
     */
    public synchronized void serve() throws IOException {
        if (server != null) {
            return;
        }
        String where = "server.metrics " + address.address();
        ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("metrics-http-", 0).factory());
        try {
            // A literal or "localhost": resolved here; the configuration allows loopback only without TLS.
            InetSocketAddress bindTo = new InetSocketAddress(InetAddress.getByName(address.host()), address.port());
            HttpServer http;
            Optional<ScrapeAccess> access = Optional.empty();
            if (address.tls().isPresent()) {
                if (tls == null) {
                    tls = ServerTls.load(address.tls().get());
                }
                HttpsServer https = HttpsServer.create(bindTo, 0);
                https.setHttpsConfigurator(new MetricsTls(tls.jdkContext(), tls.mutual()));
                access = Optional.of(new ScrapeAccess(identities, tls));
                http = https;
            } else {
                if (!bindTo.getAddress().isLoopbackAddress()) {
                    throw new IOException(address.host() + " is " + bindTo.getAddress().getHostAddress()
                            + ", not a loopback address, and /metrics without tls must stay on loopback");
                }
                http = HttpServer.create(bindTo, 0);
            }
            http.createContext("/", new ScrapeHandler(registry, processes, access));
            http.setExecutor(threads);
            http.start();
            server = http;
        } catch (IOException | RuntimeException | GeneralSecurityException | TlsFileException e) {
            threads.shutdownNow();
            throw new IOException(where + ": cannot listen: " + e.getMessage(), e);
        }
        executor = threads;
        log.info("metrics served on {}://{}/metrics{}", address.tls().isPresent() ? "https" : "http",
                ListenerSpec.hostPort(address.host(), server.getAddress().getPort()),
                address.tls().isEmpty() ? "" : tls.mutual() ? " (TLS, client certificates required)"
                        : " (TLS, bearer tokens)");
    }

    /** The port /metrics is served on (the one the system picked for port 0); -1 when not served. */
    public int port() {
        HttpServer s = server;
        return s == null ? -1 : s.getAddress().getPort();
    }

    /**
     * Reads the TLS files again (SIGHUP), as the API's listeners do: new handshakes get what was
     * read, connections open go on; a file that cannot be used keeps what is served, and the log
     * says why. Nothing to do without TLS.
     */
    public void reloadCertificates() {
        ServerTls t = tls;
        if (t == null) {
            return;
        }
        String where = "server.metrics " + address.address();
        List<ServerTls.Outcome> outcomes = t.reload();
        if (outcomes.stream().allMatch(ServerTls.Outcome.Unchanged.class::isInstance)) {
            log.info("TLS files of {} reloaded: unchanged", where);
            return;
        }
        for (ServerTls.Outcome outcome : outcomes) {
            switch (outcome) {
                case ServerTls.Outcome.Unchanged u -> log.info("TLS {} of {}: unchanged", u.part(), where);
                case ServerTls.Outcome.Replaced r -> log.info("TLS {} of {} reloaded: {}", r.part(), where, r.what());
                case ServerTls.Outcome.Kept k -> log.warn("TLS {} of {} not reloaded, the current one stays: {}", k.part(),
                        where, k.why());
            }
        }
    }

    /** Stops serving (shutdown, or before a re-exec, whose new image binds the port again). */
    public synchronized void stopServing() {
        HttpServer s = server;
        server = null;
        if (s != null) {
            s.stop(0);
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

    /** For tests: the registry's part of a scrape (daemon, API, JVM). */
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

    /** TLS 1.2 and 1.3 as the API's listeners; a client certificate required when they require one. */
    private static final class MetricsTls extends HttpsConfigurator {
        private final boolean mutual;

        MetricsTls(SSLContext context, boolean mutual) {
            super(context);
            this.mutual = mutual;
        }

        @Override
        public void configure(HttpsParameters params) {
            SSLParameters p = getSSLContext().getDefaultSSLParameters();
            p.setProtocols(ServerTls.PROTOCOLS.toArray(String[]::new));
            p.setNeedClientAuth(mutual);
            params.setSSLParameters(p);
        }
    }
}
