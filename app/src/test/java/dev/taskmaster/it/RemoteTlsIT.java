package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.RestartProcessesRequest;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import dev.taskmaster.server.transport.tls.PemFiles;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real bin/taskmasterd on real TCP sockets with TLS: certificates made at test time by its
 * own {@code tls init} / {@code tls client}, and by openssl for the odd ones (another CA, an
 * expired client certificate, a renewed server certificate); a gRPC client of its own.
 */
class RemoteTlsIT {

    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;
    Path pki;
    final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
    final List<BinProcess> processes = new CopyOnWriteArrayList<>();

    private Map<String, String> env() {
        return BinProcess.env(tmp);
    }

    @BeforeEach
    void makeCertificates() throws Exception {
        pki = tmp.resolve("pki");
        run("bin/taskmasterd", "tls", "init", pki.toString(), "--host", "127.0.0.1", "--host", "::1", "--host", "localhost");
        run("bin/taskmasterd", "tls", "client", "alice", "--role", "operator", "--dir", pki.toString());
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        processes.forEach(BinProcess::close);
    }

    private BinProcess.Result run(String... command) throws InterruptedException {
        try (BinProcess p = BinProcess.start(tmp, env(), command)) {
            BinProcess.Result r = new BinProcess.Result(p.waitFor(LIMIT), p.stdout(), p.stderr());
            assertThat(r.code()).as("%s: %s", String.join(" ", command), r.err()).isZero();
            return r;
        }
    }

    /** openssl with {@code args}, in the PKI directory; its exit code and output. */
    private BinProcess.Result openssl(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("openssl"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).directory(pki.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openssl " + args[0] + " did not finish: " + out);
        }
        return new BinProcess.Result(p.exitValue(), out, "");
    }

    private void opensslOk(String... args) throws Exception {
        BinProcess.Result r = openssl(args);
        assertThat(r.code()).as("openssl %s: %s", String.join(" ", args), r.out()).isZero();
    }

    /**
     * A client certificate made by openssl: its own key, signed by {@code caName}.crt/.key, valid
     * {@code days} from now; -1 makes one that expired a day ago.
     */
    private Path[] opensslClient(String name, String caName, int days) throws Exception {
        opensslOk("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key",
                "-out", name + ".csr", "-subj", "/OU=admin/CN=" + name);
        Files.writeString(pki.resolve(name + ".ext"), "extendedKeyUsage = clientAuth\n");
        List<String> sign = new ArrayList<>(List.of("x509", "-req", "-in", name + ".csr", "-CA", caName + ".crt",
                "-CAkey", caName + ".key", "-CAcreateserial", "-extfile", name + ".ext", "-out", name + ".crt"));
        if (days > 0) {
            sign.addAll(List.of("-days", String.valueOf(days)));
            opensslOk(sign.toArray(String[]::new));
        } else {
            // OpenSSL 3.4+ takes explicit dates; older ones take a negative -days (ending before it starts).
            List<String> dated = new ArrayList<>(sign);
            dated.addAll(List.of("-not_before", "20200101000000Z", "-not_after", "20200102000000Z"));
            if (openssl(dated.toArray(String[]::new)).code() != 0) {
                sign.addAll(List.of("-days", String.valueOf(days)));
                opensslOk(sign.toArray(String[]::new));
            }
        }
        X509Certificate made = PemFiles.certificates(pki.resolve(name + ".crt")).getFirst();
        assertThat(made.getNotAfter().toInstant().isBefore(java.time.Instant.now())).as("%s expired", name)
                .isEqualTo(days <= 0);
        return new Path[] {pki.resolve(name + ".crt"), pki.resolve(name + ".key")};
    }

    private Path[] alice() {
        return new Path[] {pki.resolve("alice.crt"), pki.resolve("alice.key")};
    }

    private BinProcess startDaemon(String yaml) throws Exception {
        Path config = Files.writeString(tmp.resolve("taskmaster.yaml"), yaml);
        BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
        processes.add(daemon);
        Path pidfile = tmp.resolve("run/taskmaster/default.pid");
        BinProcess.await("the pidfile", LIMIT, () -> Files.exists(pidfile) || !daemon.isAlive());
        assertThat(daemon.isAlive()).as("daemon: %s", daemon.stderr()).isTrue();
        return daemon;
    }

    private String tls(boolean mutual) {
        return "{cert: " + pki.resolve("server.crt") + ", key: " + pki.resolve("server.key")
                + (mutual ? ", client_ca: " + pki.resolve("ca.crt") : "") + "}";
    }

    private ManagedChannel channel(String target, ChannelCredentials credentials) {
        ManagedChannel c = Grpc.newChannelBuilder(target, credentials).build();
        channels.add(c);
        return c;
    }

    private ManagedChannel local() {
        return channel("unix://" + tmp.resolve("run/taskmaster/default.sock"), InsecureChannelCredentials.create());
    }

    private ChannelCredentials mtls(Path[] client) throws IOException {
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(pki.resolve("ca.crt").toFile());
        if (client != null) {
            b.keyManager(client[0].toFile(), client[1].toFile());
        }
        return b.build();
    }

    private static GetServerInfoResponse info(ManagedChannel c) {
        return TaskmasterServiceGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getServerInfo(GetServerInfoRequest.getDefaultInstance());
    }

    /** The call fails in the TLS handshake: the channel never becomes usable. */
    private static void refused(ManagedChannel c, String why) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> info(c));
        assertThat(e).as(why).isNotNull();
        assertThat(e.getStatus().getCode()).as(why).isEqualTo(Status.Code.UNAVAILABLE);
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    @Test
    void mutualTlsIsTheWayInAndEverythingElseIsRefused() throws Exception {
        Path tokens = tmp.resolve("tokens");
        String token = run("bin/taskmasterd", "token", "add", "ci", "--role", "viewer", "--file", tokens.toString())
                .out().strip();
        BinProcess daemon = startDaemon("server:\n  tokens_file: " + tokens + "\n  listen:\n"
                + "    - address: 127.0.0.1:0\n      tls: " + tls(true) + "\n"
                + "    - address: \"[::1]:0\"\n      tls: " + tls(true) + "\n"
                + "    - address: 127.0.0.1:0\n"
                + "programs:\n  idle:\n    cmd: sleep 1000\n    starttime: 0\n");
        List<String> addresses = info(local()).getTcpAddressesList();
        assertThat(addresses).hasSize(3);
        assertThat(addresses.get(0)).matches("127\\.0\\.0\\.1:[1-9][0-9]*");
        assertThat(addresses.get(1)).matches("\\[::1\\]:[1-9][0-9]*");
        assertThat(addresses.get(2)).matches("127\\.0\\.0\\.1:[1-9][0-9]*");
        String mutual = addresses.get(0);
        assertThat(daemon.stderr()).contains("listening on " + mutual + " (TLS, client certificates required)",
                "listening on " + addresses.get(1) + " (TLS, client certificates required)",
                "listening on " + addresses.get(2) + " (plaintext, loopback only)");

        // Mutual TLS, on IPv4 and IPv6, checking the server's name (its IP) as a client does.
        GetServerInfoResponse remote = info(channel(mutual, mtls(alice())));
        assertThat(remote.getInstanceName()).isEqualTo("default");
        assertThat(remote.getTcpAddressesList()).isEqualTo(addresses);
        assertThat(info(channel(addresses.get(1), mtls(alice()))).getPid()).isEqualTo(remote.getPid());
        // Plaintext on loopback: any local user can reach it, so it grants nothing by itself…
        StatusRuntimeException anonymous = catchThrowableOfType(StatusRuntimeException.class,
                () -> info(channel(addresses.get(2), InsecureChannelCredentials.create())));
        assertThat(anonymous.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(anonymous.getStatus().getDescription()).startsWith("no credentials");
        // …but a bearer token is accepted on it.
        io.grpc.Metadata bearer = new io.grpc.Metadata();
        bearer.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        assertThat(TaskmasterServiceGrpc.newBlockingStub(channel(addresses.get(2), InsecureChannelCredentials.create()))
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(bearer))
                .withDeadlineAfter(10, TimeUnit.SECONDS).getServerInfo(GetServerInfoRequest.getDefaultInstance())
                .getCallerIdentity()).isEqualTo("token ci");

        refused(channel(mutual, mtls(null)), "no client certificate");
        refused(channel(mutual, InsecureChannelCredentials.create()), "plaintext to a TLS listener");
        refused(channel(mutual, mtls(opensslClient("old", "ca", -1))), "an expired certificate");
        // The first refused certificate is logged in one line (later ones at most once a second).
        BinProcess.await("the refusal in the log", LIMIT, () -> daemon.stderr().contains(
                "INFO  RefusalLog: refused the client certificate CN=old,OU=admin: it expired on "));
        opensslOk("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "other-ca.key", "-out", "other-ca.crt", "-subj", "/CN=Other CA", "-days", "30");
        refused(channel(mutual, mtls(opensslClient("mallory", "other-ca", 30))), "a certificate from another CA");
        // Refusals cost the daemon a line at most, never a stack trace.
        assertThat(daemon.stderr()).doesNotContain("Exception", "\tat ");
        // The same openssl recipe, in date, is accepted: what was refused above is the CA and the date.
        assertThat(info(channel(mutual, mtls(opensslClient("fresh", "ca", 1)))).getPid()).isEqualTo(remote.getPid());
        assertThat(daemon.isAlive()).isTrue();
    }

    private static final String[] S_CLIENT = {"-CAfile", "ca.crt", "-cert", "alice.crt", "-key", "alice.key",
        "-cipher", "DEFAULT@SECLEVEL=0"};

    @Test
    void tls12AndTls13AreSpoken() throws Exception {
        startDaemon("server:\n  listen:\n    - address: 127.0.0.1:0\n      tls: " + tls(true) + "\n");
        int port = port(info(local()).getTcpAddresses(0));
        for (String version : List.of("-tls1_2", "-tls1_3")) {
            BinProcess.Result ok = sClient(port, version, S_CLIENT);
            assertThat(ok.out()).as(version).contains("Verify return code: 0 (ok)").doesNotContain("alert");
            assertThat(ok.out()).as(version).containsPattern("New, TLSv1\\.[23], Cipher is [A-Z]");
        }
    }

    @Test
    void tls11IsRefused() throws Exception {
        // First, that this openssl speaks TLS 1.1 at all (to a server that allows it): else the
        // refusal below would be the client's, and prove nothing about the daemon.
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            free = s.getLocalPort();
        }
        Path out = tmp.resolve("s_server.out");
        Process server = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + free, "-tls1_1",
                "-cipher", "DEFAULT@SECLEVEL=0", "-cert", "server.crt", "-key", "server.key", "-naccept", "1")
                .directory(pki.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            // Not by connecting to it: that would be its one connection.
            BinProcess.await("openssl s_server to listen", LIMIT, () -> read(out).contains("ACCEPT") || !server.isAlive());
            BinProcess.Result control = sClient(free, "-tls1_1", S_CLIENT);
            org.junit.jupiter.api.Assumptions.assumeTrue(control.out().contains("Protocol  : TLSv1.1")
                    && !control.out().contains("Cipher is (NONE)"), "this openssl cannot speak TLS 1.1: " + control.out());
        } finally {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }

        startDaemon("server:\n  listen:\n    - address: 127.0.0.1:0\n      tls: " + tls(true) + "\n");
        BinProcess.Result old = sClient(port(info(local()).getTcpAddresses(0)), "-tls1_1", S_CLIENT);
        assertThat(old.out()).contains("alert protocol version").contains("Cipher is (NONE)");
    }

    private BinProcess.Result sClient(int port, String version, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("s_client", "-connect", "127.0.0.1:" + port, version));
        argv.addAll(List.of(args));
        return openssl(argv.toArray(String[]::new));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void plaintextOffLoopbackIsRefusedAtLoad() throws Exception {
        Path config = Files.writeString(tmp.resolve("open.yaml"), "server:\n  listen:\n    - address: 0.0.0.0:7443\n");
        try (BinProcess check = BinProcess.start(tmp, env(), "bin/taskmasterd", "--check-config", config.toString())) {
            assertThat(check.waitFor(LIMIT)).isEqualTo(1);
            assertThat(check.stderr()).isEqualTo(config + ":3:16: server.listen[0].address: expected a loopback address"
                    + " (127.0.0.0/8, [::1] or localhost) for a listener without tls, found \"0.0.0.0:7443\"; plaintext"
                    + " would expose the API to the network: add tls with cert and key\n"
                    + "taskmasterd: 1 error in the configuration; nothing was started\n");
        }
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            assertThat(daemon.waitFor(LIMIT)).isEqualTo(1);
        }
        assertThat(tmp.resolve("run/taskmaster/default.sock")).doesNotExist();
    }

    @Test
    void aPortInUseOrAnAddressNotOursIsOneLineAndNothingStarts() throws Exception {
        Path marker = tmp.resolve("started");
        String program = "programs:\n  p:\n    cmd: touch " + marker + "\n    autorestart: never\n";
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Path config = Files.writeString(tmp.resolve("busy.yaml"), "server:\n  listen:\n    - address: 127.0.0.1:"
                    + taken.getLocalPort() + "\n      tls: " + tls(true) + "\n" + program);
            try (BinProcess d = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
                assertThat(d.waitFor(LIMIT)).isEqualTo(3);
                assertThat(d.stderr()).isEqualTo("taskmasterd: cannot start: cannot listen on 127.0.0.1:"
                        + taken.getLocalPort() + ": address already in use\n");
            }
        }
        // 192.0.2.0/24 is TEST-NET-1: never an address of this machine. Binding sends nothing anywhere.
        Path config = Files.writeString(tmp.resolve("foreign.yaml"), "server:\n  listen:\n    - address: 192.0.2.1:7443\n"
                + "      tls: " + tls(true) + "\n" + program);
        try (BinProcess d = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            assertThat(d.waitFor(LIMIT)).isEqualTo(3);
            assertThat(d.stderr()).isEqualTo("taskmasterd: cannot start: cannot listen on 192.0.2.1:7443: cannot assign"
                    + " requested address (it is not an address of this machine)\n");
        }
        assertThat(marker).as("no program was started").doesNotExist();
        assertThat(tmp.resolve("run/taskmaster/default.sock")).doesNotExist();
    }

    /** A server certificate from openssl, signed by the CA of tls init, for 127.0.0.1, with {@code cn}. */
    private void renewServerCertificate(String cn) throws Exception {
        opensslOk("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", cn + ".key",
                "-out", cn + ".csr", "-subj", "/CN=" + cn);
        Files.writeString(pki.resolve(cn + ".ext"), "subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n");
        opensslOk("x509", "-req", "-in", cn + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "30", "-extfile", cn + ".ext", "-out", cn + ".crt");
        Files.setPosixFilePermissions(pki.resolve(cn + ".key"), PosixFilePermissions.fromString("rw-------"));
        // Renamed into place, as a renewal tool does: the daemon never reads half a file.
        Files.move(pki.resolve(cn + ".key"), pki.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Files.move(pki.resolve(cn + ".crt"), pki.resolve("server.crt"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    private static void sighup(BinProcess daemon) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(daemon.pid())).start();
        assertThat(kill.waitFor()).isZero();
    }

    /** The certificate that a new connection to 127.0.0.1:{@code port} is shown, by a plain JDK TLS client. */
    private X509Certificate presented(int port) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", PemFiles.certificates(pki.resolve("ca.crt")).getFirst());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("alice", PemFiles.privateKey(alice()[1]), new char[0],
                PemFiles.certificates(alice()[0]).toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void certificatesReloadOnSighupUnderALiveStream() throws Exception {
        BinProcess daemon = startDaemon("server:\n  listen:\n    - address: 127.0.0.1:0\n      tls: " + tls(true) + "\n"
                + "programs:\n  ticker:\n    cmd: sleep 1000\n    starttime: 0\n");
        String address = info(local()).getTcpAddresses(0);
        int port = port(address);
        assertThat(presented(port).getSubjectX500Principal().getName()).isEqualTo("CN=127.0.0.1");

        BlockingQueue<WatchEventsResponse> events = new LinkedBlockingQueue<>();
        List<Throwable> ended = new CopyOnWriteArrayList<>();
        ManagedChannel streaming = channel(address, mtls(alice()));
        TaskmasterServiceGrpc.newStub(streaming).watchEvents(WatchEventsRequest.getDefaultInstance(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(WatchEventsResponse value) {
                        events.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        ended.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        ended.add(new AssertionError("the stream completed"));
                    }
                });
        assertThat(events.poll(LIMIT.toSeconds(), TimeUnit.SECONDS)).as("the snapshot").isNotNull();

        for (int round = 1; round <= 3; round++) {
            String cn = "renewed-" + round;
            renewServerCertificate(cn);
            sighup(daemon);
            BinProcess.await("the reload of " + cn, LIMIT, () -> daemon.stderr().contains(
                    "TLS certificate of " + address + " reloaded: CN=" + cn + ","));
            assertThat(presented(port).getSubjectX500Principal().getName()).as("a new connection").isEqualTo("CN=" + cn);
            // A new connection controls the daemon; the stream opened before every reload sees it.
            events.clear();
            TaskmasterServiceGrpc.newBlockingStub(channel(address, mtls(alice()))).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .restartProcesses(RestartProcessesRequest.newBuilder().addTargets("ticker").setWait(true).build());
            awaitStateChange(events, "ticker", "RUNNING", round);
            assertThat(ended).as("the live stream").isEmpty();
        }

        // A bad certificate keeps the good one, and says why.
        Files.writeString(pki.resolve("server.crt"), "not a certificate\n");
        sighup(daemon);
        BinProcess.await("the refusal", LIMIT, () -> daemon.stderr().contains("TLS certificate of " + address
                + " not reloaded, the current one stays: " + pki.resolve("server.crt") + ": holds no PEM certificate"));
        assertThat(presented(port).getSubjectX500Principal().getName()).isEqualTo("CN=renewed-3");
        assertThat(info(channel(address, mtls(alice()))).getTcpAddressesList()).containsExactly(address);
        assertThat(ended).isEmpty();
    }

    private static void awaitStateChange(BlockingQueue<WatchEventsResponse> events, String process, String state, int round)
            throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            WatchEventsResponse r = events.poll(200, TimeUnit.MILLISECONDS);
            if (r != null && r.hasEvent() && r.getEvent().hasProcessStateChanged()
                    && r.getEvent().getProcessStateChanged().getProcess().getName().equals(process)
                    && r.getEvent().getProcessStateChanged().getToState().name().endsWith(state)) {
                return;
            }
        }
        throw new AssertionError("round " + round + ": the stream opened before the reload saw no " + process + " "
                + state);
    }

    /**
     * Replacing the client CA (in place, then SIGHUP) cuts off a client of the old CA at its next
     * call even on a connection opened before, whose handshake the old CA passed: each call's
     * certificate is checked again against what its listener trusts now. A new connection with
     * it is refused in the handshake; a client of the new CA gets in.
     */
    @Test
    void aReplacedClientCaCutsOffTheOldCasClientsEvenOnTheirOpenConnections() throws Exception {
        Path clientCa = Files.copy(pki.resolve("ca.crt"), tmp.resolve("clients-ca.crt"));
        BinProcess daemon = startDaemon("server:\n  listen:\n    - address: 127.0.0.1:0\n      tls: {cert: "
                + pki.resolve("server.crt") + ", key: " + pki.resolve("server.key") + ", client_ca: " + clientCa + "}\n"
                + "programs:\n  idle:\n    cmd: sleep 1000\n    starttime: 0\n");
        String address = info(local()).getTcpAddressesList().getFirst();
        ManagedChannel open = channel(address, mtls(alice()));
        assertThat(info(open).getCallerIdentity()).isEqualTo("cert CN=alice");

        Path next = tmp.resolve("next-pki");
        run("bin/taskmasterd", "tls", "init", next.toString(), "--host", "127.0.0.1");
        run("bin/taskmasterd", "tls", "client", "bob", "--role", "viewer", "--dir", next.toString());
        Path staged = Files.copy(next.resolve("ca.crt"), tmp.resolve("clients-ca.crt.new"));
        Files.move(staged, clientCa, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        sighup(daemon);

        BinProcess.await("the old CA's client refused on its open connection", LIMIT, () -> {
            try {
                info(open);
                return false;
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(e.getStatus().getDescription()).startsWith("the client certificate CN=alice,OU=operator is no"
                        + " longer trusted by this listener (");
                return true;
            }
        });
        refused(channel(address, mtls(alice())), "the old CA's client on a new connection");
        TlsChannelCredentials.Builder bob = TlsChannelCredentials.newBuilder().trustManager(pki.resolve("ca.crt").toFile());
        bob.keyManager(next.resolve("bob.crt").toFile(), next.resolve("bob.key").toFile());
        assertThat(info(channel(address, bob.build())).getCallerIdentity()).isEqualTo("cert CN=bob");
    }
}
