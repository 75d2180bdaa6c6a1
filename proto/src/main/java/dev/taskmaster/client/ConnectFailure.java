package dev.taskmaster.client;

import io.grpc.Status;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a call to a daemon's TCP listener failed before the daemon could answer it, in one line
 * (without a program-name prefix): refused, unreachable, timed out, TLS the two sides could not
 * agree on, a daemon certificate not trusted, a client certificate the daemon refused. Shared by
 * taskmasterctl (which maps {@link Kind} to its exit code) and taskmaster-tui. Stateless.
 */
public final class ConnectFailure {

    /** What the line is about. */
    public enum Kind {
        /** Nothing answered: refused, no route, unknown host, timed out. */
        UNREACHABLE,
        /** TLS failed on our side: the daemon's certificate is not trusted, or the two sides do not speak the same TLS. */
        TLS,
        /** The daemon refused who we are: our client certificate, or none when it requires one. */
        NOT_AUTHORISED
    }

    /** A kind and its line. */
    public record Diagnosis(Kind kind, String line) {}

    private static final Pattern ALERT = Pattern.compile("Received fatal alert: ([a-z_0-9]+)");

    private ConnectFailure() {}

    /**
     * The diagnosis of {@code status} from a call to {@code target}, if it is a failure to connect
     * to a TCP listener; empty for an answer of the daemon itself and for Unix sockets (whose
     * clients have their own words, with hints about starting a daemon there).
     */
    public static Optional<Diagnosis> of(Status status, DaemonTarget target) {
        if (!(target.address() instanceof ServerAddress.Tcp tcp)) {
            return Optional.empty();
        }
        String at = "taskmasterd at " + tcp;
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            String d = String.valueOf(status.getDescription());
            // gRPC says whether the call was still waiting for a connection (TCP and TLS) when time ran out.
            if (d.contains("waiting_for_connection") || d.contains("was_still_waiting") || d.contains("connecting_and_lb_delay")) {
                return Optional.of(new Diagnosis(Kind.UNREACHABLE, "cannot reach " + at
                        + " (no connection within the deadline: the host may be down, a firewall may drop the packets,"
                        + " or what listens there does not answer TLS)"));
            }
            return Optional.empty();
        }
        if (status.getCode() != Status.Code.UNAVAILABLE) {
            return Optional.empty();
        }
        for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
            if (t instanceof UntrustedServerException u) {
                return Optional.of(new Diagnosis(Kind.TLS, "cannot trust " + at + ": " + u.getMessage()));
            }
        }
        for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            Matcher alert = ALERT.matcher(m);
            if (alert.find()) {
                return Optional.of(alert(alert.group(1), at, target.security()));
            }
            if (t instanceof javax.net.ssl.SSLException || t.getClass().getSimpleName().equals("NotSslRecordException")) {
                if (m.contains("not an SSL/TLS record") || m.contains("Unsupported or unrecognized SSL message")) {
                    return Optional.of(new Diagnosis(Kind.TLS, at + " does not speak TLS on that port (a plaintext listener?"
                            + " --plaintext is for a loopback listener without TLS)"));
                }
                return Optional.of(new Diagnosis(Kind.TLS, "TLS with " + at + " failed: " + m));
            }
            if (t instanceof UnknownHostException || m.startsWith("Unable to resolve host")) {
                return Optional.of(new Diagnosis(Kind.UNREACHABLE, "cannot reach " + at + " (unknown host " + tcp.host() + ")"));
            }
            if (t instanceof NoRouteToHostException || m.contains("No route to host")) {
                return Optional.of(new Diagnosis(Kind.UNREACHABLE, "cannot reach " + at + " (no route to host)"));
            }
            if (m.contains("Network is unreachable")) {
                return Optional.of(new Diagnosis(Kind.UNREACHABLE, "cannot reach " + at + " (network unreachable)"));
            }
            if (m.contains("Connection refused")) {
                return Optional.of(new Diagnosis(Kind.UNREACHABLE, "cannot reach " + at
                        + " (connection refused: nothing listens on that port)"));
            }
            if (m.contains("timed out") || t.getClass().getSimpleName().equals("ConnectTimeoutException")) {
                return Optional.of(new Diagnosis(Kind.UNREACHABLE, "cannot reach " + at + " (connection timed out)"));
            }
            if (t instanceof ConnectException) {
                return Optional.of(new Diagnosis(Kind.UNREACHABLE, "cannot reach " + at + " (" + m + ")"));
            }
        }
        // A TLS listener that reads our plaintext HTTP/2 preface closes the connection; when the
        // preface is still unread in its receive buffer, that close arrives as a reset instead,
        // or, when we were still writing (our SETTINGS after the preface), as a broken pipe.
        String deepest = deepest(status);
        if (target.security().plaintext() && (status.getCause() == null && String.valueOf(status.getDescription()).contains("closed")
                || deepest.contains("Connection reset by peer") || deepest.contains("Broken pipe"))) {
            return Optional.of(new Diagnosis(Kind.TLS, at + " closed the connection as it was set up (a TLS listener? drop --plaintext)"));
        }
        return status.getCause() == null ? Optional.empty()
                : Optional.of(new Diagnosis(Kind.UNREACHABLE, "cannot reach " + at + " (" + deepest + ")"));
    }

    /** The innermost cause's message (gRPC's own description is often just "io exception"). */
    private static String deepest(Status status) {
        String message = null;
        for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message != null ? message : describe(status);
    }

    /** A TLS alert the daemon sent: about our certificate, or about TLS itself. */
    private static Diagnosis alert(String alert, String at, ClientSecurity security) {
        return switch (alert) {
            // TLS sends a client certificate only if it comes from a CA the daemon named: one from another CA is not sent.
            case "certificate_required" -> new Diagnosis(Kind.NOT_AUTHORISED, security.cert() == null
                    ? at + " requires a client certificate: give --cert FILE and --key FILE (TLS alert certificate_required)"
                    : at + " requires a client certificate from a CA it trusts, and " + security.cert()
                            + " is not from one (TLS alert certificate_required)");
            case "bad_certificate", "unknown_ca", "certificate_unknown", "certificate_expired", "certificate_revoked",
                 "unsupported_certificate", "access_denied" -> new Diagnosis(Kind.NOT_AUTHORISED, security.cert() == null
                    ? at + " requires a client certificate: give --cert FILE and --key FILE (TLS alert " + alert + ")"
                    : at + " refused the client certificate " + security.cert() + ownCertificateProblem(security)
                            + " (TLS alert " + alert + ")");
            case "handshake_failure", "protocol_version", "insufficient_security", "no_application_protocol" ->
                    new Diagnosis(Kind.TLS, "TLS with " + at + " failed: the two sides have no " + switch (alert) {
                        case "protocol_version" -> "TLS version";
                        case "no_application_protocol" -> "application protocol (HTTP/2)";
                        default -> "cipher or version";
                    } + " in common (TLS alert " + alert + ")");
            default -> new Diagnosis(Kind.TLS, "TLS with " + at + " failed (TLS alert " + alert + ")");
        };
    }

    /** ": it expired on …" when our own certificate is out of date, which is the likely reason; else nothing. */
    private static String ownCertificateProblem(ClientSecurity security) {
        try {
            X509Certificate c = PemFiles.certificates(security.cert(), "--cert").getFirst();
            Date now = new Date();
            if (now.after(c.getNotAfter())) {
                return ": it expired on " + c.getNotAfter().toInstant().toString().replace('T', ' ').replace("Z", " UTC");
            }
            if (now.before(c.getNotBefore())) {
                return ": it is not valid before " + c.getNotBefore().toInstant().toString().replace('T', ' ').replace("Z", " UTC");
            }
            return ": not signed by a CA it trusts, or revoked";
        } catch (RuntimeException unreadable) {
            return "";
        }
    }

    private static String describe(Status status) {
        String d = status.getDescription();
        return d == null || d.isBlank() ? status.getCode().name().toLowerCase(Locale.ROOT).replace('_', ' ') : d;
    }
}
