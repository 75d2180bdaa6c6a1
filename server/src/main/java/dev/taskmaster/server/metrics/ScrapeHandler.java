package dev.taskmaster.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsExchange;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics}: the registry's families (daemon, API, JVM) through the Prometheus
 * client's text writer, then the per-process families written directly
 * ({@link ProcessExposition}); always the Prometheus text format 0.0.4, which every Prometheus
 * reads (one format for all families keeps the per-process writer to one syntax). Compressed
 * with gzip only when the scraper asks for it (Prometheus does), at the fastest level. On the
 * TLS form, the caller is checked first ({@link ScrapeAccess}): 401 without valid credentials,
 * 403 without the viewer role.
 *
 * <p>Threading: any of the HTTP server's threads; scrapes are serialised on this handler (they
 * share the buffers), authentication is not.
 */
final class ScrapeHandler implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(ScrapeHandler.class);
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusRegistry registry;
    private final ProcessExposition processes;
    private final Optional<ScrapeAccess> access;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final TextBuffer text = new TextBuffer(1 << 16);
    private final TextBuffer zipped = new TextBuffer(1 << 14);

    ScrapeHandler(PrometheusRegistry registry, ProcessExposition processes, Optional<ScrapeAccess> access) {
        this.registry = registry;
        this.processes = processes;
        this.access = access;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!"/metrics".equals(path)) {
                reply(exchange, 404, "not found: " + path + "; metrics are at /metrics\n");
                return;
            }
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, method + " is not allowed on /metrics: use GET\n");
                return;
            }
            if (access.isPresent()) {
                ScrapeAccess.Verdict verdict = access.get().check((HttpsExchange) exchange);
                if (verdict instanceof ScrapeAccess.Verdict.Refused r) {
                    if (r.status() == 401) {
                        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"taskmaster\"");
                    }
                    reply(exchange, r.status(), r.why() + "\n");
                    return;
                }
            }
            boolean gzip = acceptsGzip(exchange.getRequestHeaders().getFirst("Accept-Encoding"));
            synchronized (this) {
                TextBuffer body = scrape(gzip);
                exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
                if (gzip) {
                    exchange.getResponseHeaders().set("Content-Encoding", "gzip");
                }
                if (method.equals("HEAD")) {
                    exchange.sendResponseHeaders(200, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, body.size());
                try (OutputStream out = exchange.getResponseBody()) {
                    body.writeTo(out);
                }
            }
        } catch (IOException | RuntimeException e) {
            // The scraper went away, or a collector failed: the next scrape tries again.
            log.debug("scrape of /metrics failed: {}", e.toString(), e);
            throw e;
        }
    }

    /** Every family in the text format: in {@code text}, or compressed in {@code zipped}. Under the lock. */
    TextBuffer scrape(boolean gzip) throws IOException {
        text.reset();
        writer.write(text, registry.scrape(), EscapingScheme.ALLOW_UTF8);
        processes.write(text);
        if (!gzip) {
            return text;
        }
        zipped.reset();
        try (GZIPOutputStream z = new FastGzip(zipped)) {
            text.writeTo(z);
        }
        return zipped;
    }

    /** Whether {@code gzip} is among the codings accepted (and not refused with q=0). */
    static boolean acceptsGzip(String header) {
        if (header == null) {
            return false;
        }
        for (String part : header.split(",")) {
            String[] p = part.strip().split(";");
            if (p[0].strip().equalsIgnoreCase("gzip") || p[0].strip().equals("*")) {
                boolean refused = p.length > 1 && p[1].strip().replace(" ", "").matches("q=0(\\.0*)?");
                return !refused;
            }
        }
        return false;
    }

    private static void reply(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** gzip at the fastest level: text this repetitive shrinks about tenfold even so, at a fraction of the CPU. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
