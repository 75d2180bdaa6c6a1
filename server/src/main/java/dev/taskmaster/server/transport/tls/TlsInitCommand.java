package dev.taskmaster.server.transport.tls;

import dev.taskmaster.config.ListenerSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code taskmasterd tls init DIR --host NAME…}: a new CA and a server certificate, and the config to use them. */
@Command(name = "init", sortOptions = false,
        description = {"Create a CA and a server certificate in DIR, and print the configuration to use them.",
            "Writes ca.crt, ca.key, server.crt and server.key (keys 0600); never overwrites a file."})
public final class TlsInitCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(index = "0", paramLabel = "DIR", description = "Directory for the files; created (0700) if absent.")
    Path dir;

    @Option(names = "--host", required = true, split = ",", paramLabel = "NAME",
            description = "A name or IP address clients use to reach this server (repeat, or separate with commas);"
                    + " the first is also the certificate's CN.")
    List<String> hosts;

    @Option(names = "--days", paramLabel = "N", defaultValue = "" + CertificateIssuer.SERVER_DAYS,
            description = "How long the server certificate is valid, in days (default: ${DEFAULT-VALUE}; the CA: 10 years).")
    int days;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "7443",
            description = "The port of the printed listen address (default: ${DEFAULT-VALUE}).")
    int port;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (String host : hosts) {
            if (!Hosts.isValid(host)) {
                return usage(err, "--host \"" + host + "\" is neither a host name nor an IP address");
            }
        }
        if (days < 1 || days > CertificateIssuer.CA_VALIDITY.toDays()) {
            return usage(err, "--days " + days + ": expected 1 to " + CertificateIssuer.CA_VALIDITY.toDays()
                    + " (the CA's own lifetime)");
        }
        if (port < 1 || port > 65535) {
            return usage(err, "--port " + port + ": expected 1 to 65535");
        }
        Path d = dir.toAbsolutePath().normalize();
        Path caCrt = d.resolve("ca.crt");
        Path caKey = d.resolve("ca.key");
        Path serverCrt = d.resolve("server.crt");
        Path serverKey = d.resolve("server.key");
        var existing = NewFiles.firstExisting(List.of(caCrt, caKey, serverCrt, serverKey));
        if (existing.isPresent()) {
            return failed(err, existing.get() + " already exists; tls init never overwrites a file"
                    + " (remove the old files, or choose another directory)");
        }
        Instant now = Instant.now();
        CertificateIssuer.Issued server;
        CertificateIssuer.Issued ca;
        try {
            if (!Files.isDirectory(d)) {
                Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            ca = CertificateIssuer.authority("Taskmaster CA " + hosts.getFirst(), now, CertificateIssuer.CA_VALIDITY);
            server = CertificateIssuer.server(new CertificateIssuer.Authority(ca.certificate(), ca.key()), hosts, now,
                    Duration.ofDays(days));
            NewFiles.create(List.of(
                    new NewFiles.NewFile(caCrt, PemFiles.pem("CERTIFICATE", ca.certificate().getEncoded()), false),
                    new NewFiles.NewFile(caKey, PemFiles.pem("PRIVATE KEY", ca.key().getEncoded()), true),
                    new NewFiles.NewFile(serverCrt, PemFiles.pem("CERTIFICATE", server.certificate().getEncoded()), false),
                    new NewFiles.NewFile(serverKey, PemFiles.pem("PRIVATE KEY", server.key().getEncoded()), true)));
        } catch (IOException e) {
            return failed(err, e.getMessage());
        } catch (GeneralSecurityException e) {
            return failed(err, "cannot make the certificates: " + e.getMessage());
        }
        out.println("Created in " + d + ":");
        out.println("  ca.crt      the CA certificate; clients trust this server with it, and it signs client certificates");
        out.println("  ca.key      the CA's private key (0600): whoever has it can make certificates; keep it safe");
        out.println("  server.crt  the server certificate for " + String.join(", ", hosts) + ", valid until "
                + day(server.certificate().getNotAfter().toInstant()));
        out.println("  server.key  its private key (0600)");
        out.println();
        out.println("Add this to the configuration (in its server: section), then start or restart taskmasterd:");
        out.println();
        out.println("server:");
        out.println("  listen:");
        out.println("    - address: \"" + ListenerSpec.hostPort("0.0.0.0", port) + "\"");
        out.println("      tls:");
        out.println("        cert: " + serverCrt);
        out.println("        key: " + serverKey);
        out.println("        client_ca: " + caCrt);
        out.println();
        out.println("Then make a certificate for each client:");
        out.println("  taskmasterd tls client NAME --role viewer|operator|admin --dir " + d);
        out.flush();
        return 0;
    }

    static String day(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC).toString();
    }

    static int usage(PrintWriter err, String why) {
        err.println("taskmasterd: " + why);
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    static int failed(PrintWriter err, String why) {
        err.println("taskmasterd: " + why);
        err.flush();
        return TlsCommand.EXIT_FAILED;
    }
}
