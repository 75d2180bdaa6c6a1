package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * server.metrics scraped by a real Prometheus server (Debian's {@code prometheus}): the test
 * starts bin/taskmasterd with /metrics on loopback and Prometheus with a minimal configuration
 * on loopback and a storage directory of its own, and asks Prometheus's HTTP API what it
 * scraped: a RUNNING process, then its restart and the signal that killed it after a SIGKILL
 * from outside. The alert rules of docs/metrics.md pass {@code promtool check rules} and load
 * into that Prometheus. Without the prometheus binary the test is skipped, except under
 * {@code CI=true}, where that fails.
 */
class MetricsIT {

    static final Duration LIMIT = Duration.ofSeconds(60);
    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private String get(String url) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The alert rules of docs/metrics.md: its ```yaml block that starts with {@code groups:}. */
    static String alertRules() throws IOException {
        String doc = Files.readString(BinProcess.REPO.resolve("docs/metrics.md"));
        Matcher m = Pattern.compile("```yaml\n(groups:.*?)```", Pattern.DOTALL).matcher(doc);
        assertThat(m.find()).as("docs/metrics.md has a ```yaml block of alert rules (groups: ...)").isTrue();
        return m.group(1);
    }

    @Test
    void aRealPrometheusScrapesStatesAndSeesARestartAfterAKill() throws Exception {
        requirePrometheus();
        Path rules = Files.writeString(tmp.resolve("taskmaster-rules.yml"), alertRules());
        if (Files.isExecutable(PROMTOOL)) {
            Process check = new ProcessBuilder(PROMTOOL.toString(), "check", "rules", rules.toString())
                    .redirectErrorStream(true).start();
            String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(check.exitValue()).as("promtool check rules: %s", out).isZero();
            assertThat(out).contains("SUCCESS: 4 rules found");
        }
        int metricsPort = freePort();
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, """
                server:
                  metrics: 127.0.0.1:%d
                programs:
                  x:
                    cmd: "sh -c 'echo one; echo two; exec sleep 1000'"
                    starttime: 0
                    autorestart: true
                  crasher:
                    cmd: "false"
                    startretries: 0
                    group: batch
                """.formatted(metricsPort));
        Map<String, String> env = BinProcess.env(tmp);
        String metricsUrl = "http://127.0.0.1:" + metricsPort + "/metrics";
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            // x's two lines are counted when the pump reads them, after x is RUNNING (starttime 0).
            dev.taskmaster.testkit.Poll.until("x RUNNING with its 2 lines, crasher FATAL in /metrics", LIMIT, () -> {
                String m = get(metricsUrl);
                return m.contains("taskmaster_process_state{group=\"x\",process=\"x\",program=\"x\",state=\"RUNNING\"} 1.0")
                        && m.contains("taskmaster_process_output_lines_total{group=\"x\",process=\"x\",program=\"x\",stream=\"stdout\"} 2.0")
                        && m.contains("taskmaster_process_state{group=\"batch\",process=\"crasher\",program=\"crasher\",state=\"FATAL\"} 1.0");
            });
            BinProcess.Result status = BinProcess.ctl(tmp, env, LIMIT, "status");
            assertThat(status.out()).contains("crasher"); // exit code 3: not everything runs
            String scrape = get(metricsUrl);
            assertThat(scrape).contains("taskmaster_process_state{group=\"x\",process=\"x\",program=\"x\",state=\"STOPPED\"} 0.0")
                    .contains("taskmaster_process_output_lines_total{group=\"x\",process=\"x\",program=\"x\",stream=\"stdout\"} 2.0")
                    .contains("taskmaster_process_output_bytes_total{group=\"x\",process=\"x\",program=\"x\",stream=\"stdout\"} 8.0")
                    .contains("taskmaster_process_output_dropped_lines_total{group=\"x\",process=\"x\",program=\"x\"} 0.0")
                    .contains("taskmaster_process_last_exit_code{group=\"batch\",process=\"crasher\",program=\"crasher\"} 1.0")
                    .contains("taskmaster_events_total{type=\"state_changed\"}")
                    .contains("taskmaster_daemon_log_lost_lines_total 0.0")
                    .contains("jvm_memory_used_bytes")
                    .containsPattern("taskmaster_process_resident_memory_bytes\\{group=\"x\",process=\"x\",program=\"x\"} [1-9]")
                    .containsPattern("taskmaster_rpc_duration_seconds_count\\{code=\"OK\",method=\"[A-Za-z]+\",service=\"taskmaster\\.v1\\.[A-Za-z]+\"} [1-9]")
                    .doesNotContain("pid=");

            int promPort = freePort();
            Path promConfig = Files.writeString(tmp.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    rule_files: [%s]
                    scrape_configs:
                      - job_name: taskmaster
                        static_configs:
                          - targets: ["127.0.0.1:%d"]
                    """.formatted(rules, metricsPort));
            List<String> argv = new ArrayList<>(List.of(PROMETHEUS.toString(), "--config.file=" + promConfig,
                    "--storage.tsdb.path=" + tmp.resolve("prom-data"), "--web.listen-address=127.0.0.1:" + promPort));
            Process prometheus = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
            try {
                String api = "http://127.0.0.1:" + promPort + "/api/v1/";
                awaitQuery(api, "taskmaster_process_state{program=\"x\",state=\"RUNNING\"} == 1", "\"program\":\"x\"", prometheus);
                awaitQuery(api, "taskmaster_process_restarts_total{program=\"x\"} == 0", "\"program\":\"x\"", prometheus);
                // The rules loaded, and the FATAL one fires for crasher.
                dev.taskmaster.testkit.Poll.until("the TaskmasterProcessFatal alert for crasher", LIMIT, () -> {
                    String alerts = get(api + "alerts");
                    return alerts.contains("\"alertname\":\"TaskmasterProcessFatal\"") && alerts.contains("\"process\":\"crasher\"");
                });

                long pid = ProcessHandle.of(daemon.pid()).orElseThrow().descendants()
                        .filter(h -> h.info().commandLine().orElse("").contains("sleep 1000")).findFirst().orElseThrow().pid();
                assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue(); // SIGKILL from outside
                awaitQuery(api, "taskmaster_process_restarts_total{program=\"x\"} >= 1", "\"program\":\"x\"", prometheus);
                awaitQuery(api, "taskmaster_process_last_exit_signal{program=\"x\"} == 9", "\"program\":\"x\"", prometheus);
                awaitQuery(api, "taskmaster_process_state{program=\"x\",state=\"RUNNING\"} == 1", "\"program\":\"x\"", prometheus);
            } finally {
                prometheus.destroy(); // by its own pid, SIGTERM
                if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                    prometheus.waitFor(10, TimeUnit.SECONDS);
                }
            }
            BinProcess.shutdown(daemon, tmp, env, LIMIT);
        }
    }

    private void requirePrometheus() {
        if (!Files.isExecutable(PROMETHEUS)) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(PROMETHEUS + " is missing: .ci/run installs it (apt-get install prometheus)");
            }
            Assumptions.abort(PROMETHEUS + " is missing: apt-get install prometheus to run this test");
        }
    }

    private static String run(Path tmp, Map<String, String> env, String... command) throws InterruptedException {
        try (BinProcess p = BinProcess.start(tmp, env, command)) {
            int code = p.waitFor(LIMIT);
            assertThat(code).as("%s: %s", String.join(" ", command), p.stderr()).isZero();
            return p.stdout();
        }
    }

    /**
     * server.metrics over HTTPS, scraped by a real Prometheus the way an operator sets it up: one
     * daemon requires client certificates and serves /metrics with the files of its TLS API
     * listener ({@code tls: true}), scraped with Prometheus's {@code tls_config} cert_file/key_file
     * (a viewer certificate from {@code taskmasterd tls client}); another takes bearer tokens,
     * scraped with {@code authorization: {credentials_file}} (a viewer token from
     * {@code taskmasterd token add}). Both targets are up and their series answer queries; a
     * scrape without credentials is refused with 401.
     */
    @Test
    void aRealPrometheusScrapesOverTlsWithAClientCertificateAndWithABearerToken() throws Exception {
        requirePrometheus();
        Path pki = tmp.resolve("pki");
        Map<String, String> envA = BinProcess.env(tmp.resolve("a"));
        Map<String, String> envB = BinProcess.env(tmp.resolve("b"));
        run(tmp, envA, "bin/taskmasterd", "tls", "init", pki.toString(), "--host", "127.0.0.1");
        run(tmp, envA, "bin/taskmasterd", "tls", "client", "prometheus", "--role", "viewer", "--dir", pki.toString());
        Path tokens = tmp.resolve("tokens");
        String token = run(tmp, envB, "bin/taskmasterd", "token", "add", "prometheus", "--role", "viewer", "--file",
                tokens.toString()).strip();
        Path credentials = Files.writeString(tmp.resolve("prometheus.token"), token + "\n");
        int portA = freePort();
        int portB = freePort();
        Path configA = Files.writeString(tmp.resolve("a.yaml"), """
                server:
                  listen:
                    - address: 127.0.0.1:0
                      tls: {cert: %1$s/server.crt, key: %1$s/server.key, client_ca: %1$s/ca.crt}
                  metrics: {address: 127.0.0.1:%2$d, tls: true}
                programs:
                  x: {cmd: sleep 1000, starttime: 0}
                """.formatted(pki, portA));
        Path configB = Files.writeString(tmp.resolve("b.yaml"), """
                server:
                  tokens_file: %1$s
                  metrics:
                    address: 127.0.0.1:%2$d
                    tls: {cert: %3$s/server.crt, key: %3$s/server.key}
                programs:
                  y: {cmd: sleep 1000, starttime: 0}
                """.formatted(tokens, portB, pki));
        try (BinProcess a = BinProcess.start(tmp, envA, "bin/taskmasterd", "--allow-root", "-c", configA.toString());
                BinProcess b = BinProcess.start(tmp, envB, "bin/taskmasterd", "--allow-root", "-c", configB.toString())) {
            dev.taskmaster.testkit.Poll.until("both daemons to serve /metrics over TLS", LIMIT, () -> {
                if (!a.isAlive() || !b.isAlive()) {
                    throw new AssertionError("a daemon exited: " + a.stderr() + b.stderr());
                }
                return a.stderr().contains("metrics served on https://127.0.0.1:" + portA + "/metrics (TLS, client certificates required)")
                        && b.stderr().contains("metrics served on https://127.0.0.1:" + portB + "/metrics (TLS, bearer tokens)");
            });
            // Without credentials: 401, and no metrics (the certificate of tls init is trusted for the look).
            javax.net.ssl.SSLContext trustCa = trusting(pki.resolve("ca.crt"));
            HttpClient anonymous = HttpClient.newBuilder().sslContext(trustCa).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> refused = anonymous.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + portB
                    + "/metrics")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).doesNotContain("taskmaster_process");

            int promPort = freePort();
            Path promConfig = Files.writeString(tmp.resolve("prometheus-tls.yml"), """
                    global:
                      scrape_interval: 1s
                    scrape_configs:
                      - job_name: mtls
                        scheme: https
                        tls_config: {ca_file: %1$s/ca.crt, cert_file: %1$s/prometheus.crt, key_file: %1$s/prometheus.key}
                        static_configs:
                          - targets: ["127.0.0.1:%2$d"]
                      - job_name: token
                        scheme: https
                        tls_config: {ca_file: %1$s/ca.crt}
                        authorization: {credentials_file: %3$s}
                        static_configs:
                          - targets: ["127.0.0.1:%4$d"]
                    """.formatted(pki, portA, credentials, portB));
            Process prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + promConfig,
                    "--storage.tsdb.path=" + tmp.resolve("prom-data"), "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
            try {
                String api = "http://127.0.0.1:" + promPort + "/api/v1/";
                awaitQuery(api, "up{job=\"mtls\"} == 1", "\"job\":\"mtls\"", prometheus);
                awaitQuery(api, "up{job=\"token\"} == 1", "\"job\":\"token\"", prometheus);
                awaitQuery(api, "taskmaster_process_state{job=\"mtls\",program=\"x\",state=\"RUNNING\"} == 1",
                        "\"program\":\"x\"", prometheus);
                awaitQuery(api, "taskmaster_process_state{job=\"token\",program=\"y\",state=\"RUNNING\"} == 1",
                        "\"program\":\"y\"", prometheus);
            } finally {
                prometheus.destroy(); // by its own pid, SIGTERM
                if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                    prometheus.waitFor(10, TimeUnit.SECONDS);
                }
            }
            BinProcess.shutdown(a, tmp, envA, LIMIT);
            BinProcess.shutdown(b, tmp, envB, LIMIT);
        }
    }

    /** A TLS context that trusts {@code caFile} and presents no certificate. */
    private static javax.net.ssl.SSLContext trusting(Path caFile) throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(caFile)) {
            trust.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** Polls Prometheus's query API until {@code query} has a result containing {@code expected}. */
    private void awaitQuery(String api, String query, String expected, Process prometheus) throws InterruptedException {
        String url = api + "query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8);
        String[] last = {""};
        try {
            dev.taskmaster.testkit.Poll.until("Prometheus to answer " + query, LIMIT, () -> {
                if (!prometheus.isAlive()) {
                    throw new AssertionError("prometheus exited: " + read(tmp.resolve("prometheus.log")));
                }
                last[0] = get(url);
                return last[0].contains("\"status\":\"success\"") && !last[0].contains("\"result\":[]")
                        && last[0].contains(expected);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last answer: " + last[0], e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
