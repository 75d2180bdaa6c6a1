package dev.taskmaster.server.transport.tls;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code taskmasterd tls client NAME --role ROLE}: a client certificate signed by the CA of {@code tls init}. */
@Command(name = "client", sortOptions = false,
        description = {"Issue a client certificate signed by the CA of tls init, for NAME with ROLE.",
            "Writes NAME.crt (subject CN=NAME, OU=ROLE: the daemon knows the client by NAME and gives it",
            "ROLE) and NAME.key (0600) in DIR; never overwrites a file."})
public final class TlsClientCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    static final List<String> ROLES = List.of("viewer", "operator", "admin");

    @Parameters(index = "0", paramLabel = "NAME",
            description = "The client's name: letters, digits, '.', '_', '@', '-' (e.g. alice, ops-laptop).")
    String name;

    @Option(names = "--role", required = true, paramLabel = "ROLE", description = "viewer, operator or admin.")
    String role;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".",
            description = "Directory of the CA (ca.crt, ca.key, from tls init); the new files go there too (default: the current directory).")
    Path dir;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "7443",
            description = "The port of the daemon's listener, for the printed command line (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--days", paramLabel = "N", defaultValue = "" + CertificateIssuer.CLIENT_DAYS,
            description = "How long the certificate is valid, in days (default: ${DEFAULT-VALUE}).")
    int days;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")) {
            return TlsInitCommand.usage(err, "client name \"" + name + "\": expected up to 64 letters, digits, '.', '_',"
                    + " '@' and '-', starting with a letter or digit");
        }
        String r = role.toLowerCase(Locale.ROOT);
        if (!ROLES.contains(r)) {
            return TlsInitCommand.usage(err, "--role \"" + role + "\": expected viewer, operator or admin");
        }
        if (days < 1) {
            return TlsInitCommand.usage(err, "--days " + days + ": expected at least 1");
        }
        Path d = dir.toAbsolutePath().normalize();
        X509Certificate caCert;
        PrivateKey caKey;
        try {
            caCert = PemFiles.certificates(d.resolve("ca.crt")).getFirst();
            caKey = PemFiles.privateKey(d.resolve("ca.key"));
        } catch (TlsFileException e) {
            return TlsInitCommand.failed(err, "cannot read the CA: " + e.getMessage()
                    + " (make one with: taskmasterd tls init DIR --host NAME)");
        }
        if (caCert.getBasicConstraints() < 0 || !ServerIdentity.matches(caKey, caCert)) {
            return TlsInitCommand.failed(err, d.resolve("ca.key") + " and " + d.resolve("ca.crt")
                    + " are not a CA certificate and its key");
        }
        Instant now = Instant.now();
        Instant until = now.plus(Duration.ofDays(days));
        if (until.isAfter(caCert.getNotAfter().toInstant())) {
            return TlsInitCommand.usage(err, "--days " + days + ": the certificate would outlive the CA, which expires on "
                    + TlsInitCommand.day(caCert.getNotAfter().toInstant()));
        }
        Path crt = d.resolve(name + ".crt");
        Path key = d.resolve(name + ".key");
        Optional<Path> existing = NewFiles.firstExisting(List.of(crt, key));
        if (existing.isPresent()) {
            return TlsInitCommand.failed(err, existing.get() + " already exists; tls client never overwrites a file"
                    + " (remove it, or choose another name)");
        }
        try {
            CertificateIssuer.Issued issued = CertificateIssuer.client(new CertificateIssuer.Authority(caCert, caKey),
                    name, r, now, Duration.ofDays(days));
            NewFiles.create(List.of(
                    new NewFiles.NewFile(crt, PemFiles.pem("CERTIFICATE", issued.certificate().getEncoded()), false),
                    new NewFiles.NewFile(key, PemFiles.pem("PRIVATE KEY", issued.key().getEncoded()), true)));
        } catch (IOException e) {
            return TlsInitCommand.failed(err, e.getMessage());
        } catch (GeneralSecurityException e) {
            return TlsInitCommand.failed(err, "cannot make the certificate: " + e.getMessage());
        }
        out.println("Created " + crt + " (CN=" + name + ", OU=" + r + ", valid until " + TlsInitCommand.day(until) + ")");
        out.println("    and " + key + " (0600).");
        out.println("Give the client these three files (the key over a private channel), then on its machine:");
        out.println("  taskmasterctl --server " + serverAddress(d, port) + " --ca " + d.resolve("ca.crt") + " --cert " + crt
                + " --key " + key + " status");
        out.flush();
        return 0;
    }

    /** The first name of the server certificate beside the CA, at {@code port}; else a placeholder. */
    private static String serverAddress(Path d, int port) {
        Path server = d.resolve("server.crt");
        if (!Files.isRegularFile(server)) {
            return "HOST:" + port;
        }
        try {
            X509Certificate cert = PemFiles.certificates(server).getFirst();
            var names = cert.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> entry : names) {
                    if (entry.size() == 2 && entry.get(1) instanceof String host) {
                        return dev.taskmaster.config.ListenerSpec.hostPort(host, port);
                    }
                }
            }
        } catch (TlsFileException | CertificateParsingException e) {
            // only a hint: fall back to the placeholder
        }
        return "HOST:" + port;
    }
}
