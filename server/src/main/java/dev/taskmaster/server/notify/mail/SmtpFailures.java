package dev.taskmaster.server.notify.mail;

import dev.taskmaster.config.EmailSpec;
import dev.taskmaster.server.notify.DeliveryException;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;

/**
 * Says why Jakarta Mail failed, in one line a person can act on, and whether a retry can help:
 * an SMTP 5xx answer, a rejected login, a refused TLS certificate or a server without STARTTLS
 * are permanent; a refused or timed-out connection and 4xx answers are transient.
 * Stateless; any thread.
 */
final class SmtpFailures {

    private static final Pattern REPLY_CODE = Pattern.compile("^([2-5])\\d\\d\\b");

    private SmtpFailures() {
    }

    static DeliveryException of(EmailSpec spec, MessagingException e) {
        String server = spec.host() + ":" + spec.port();
        if (e instanceof AuthenticationFailedException) {
            return new DeliveryException("SMTP login to " + server + " as " + spec.user().orElse("(no user)")
                    + " rejected: " + oneLine(e.getMessage()), true, e);
        }
        if (e instanceof SMTPSendFailedException send) {
            String what = send.getCommand() != null && send.getCommand().startsWith("MAIL FROM")
                    ? "refused the sender " + spec.from()
                    : "refused the message";
            return new DeliveryException("SMTP server " + server + " " + what + ": " + oneLine(send.getMessage()),
                    send.getReturnCode() >= 500, e);
        }
        if (e instanceof SendFailedException failed && failed.getNextException() instanceof SMTPAddressFailedException) {
            return recipients(server, failed, e);
        }
        if (e.getMessage() != null && e.getMessage().startsWith("STARTTLS is required")) {
            return new DeliveryException("SMTP server " + server + " does not offer STARTTLS, and security is starttls"
                    + " (use security: tls if it speaks TLS from the start, usually on port 465)", true, e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            DeliveryException known = network(spec, server, t, e);
            if (known != null) {
                return known;
            }
        }
        // An SMTP answer Angus passed up as text (a rejected STARTTLS or greeting, …): its class decides.
        String message = oneLine(e.getMessage());
        Matcher code = REPLY_CODE.matcher(message.replaceFirst("^.*response: ", ""));
        boolean permanent = code.find() && code.group(1).equals("5");
        return new DeliveryException("SMTP delivery through " + server + " failed: " + message, permanent, e);
    }

    /** Every refused recipient, with the server's answer; permanent when no refusal was a 4xx "try later". */
    private static DeliveryException recipients(String server, SendFailedException failed, MessagingException e) {
        List<String> refusals = new ArrayList<>();
        boolean permanent = true;
        for (Exception next = failed.getNextException(); next instanceof SMTPAddressFailedException refused;
                next = refused.getNextException()) {
            refusals.add(refused.getAddress() + " (" + oneLine(refused.getMessage()) + ")");
            permanent &= refused.getReturnCode() >= 500;
        }
        return new DeliveryException("SMTP server " + server + " refused the recipient"
                + (refusals.size() > 1 ? "s " : " ") + String.join(", ", refusals), permanent, e);
    }

    private static DeliveryException network(EmailSpec spec, String server, Throwable t, MessagingException e) {
        return switch (t) {
            case ConnectException c -> new DeliveryException(
                    "cannot connect to SMTP server " + server + ": " + lower(c.getMessage(), "connection refused"), false, e);
            case NoRouteToHostException c -> new DeliveryException(
                    "cannot connect to SMTP server " + server + ": no route to host", false, e);
            case SocketTimeoutException c -> new DeliveryException(
                    "SMTP server " + server + " did not answer in time (" + lower(c.getMessage(), "timed out") + ")", false, e);
            case UnknownHostException c -> new DeliveryException(
                    "unknown SMTP host " + spec.host() + " (name resolution failed)", false, e);
            case SSLHandshakeException h -> handshake(spec, server, h, e);
            case SSLException s -> new DeliveryException("TLS with SMTP server " + server + " failed: "
                    + oneLine(s.getMessage()) + wrongPortHint(spec), true, e);
            default -> null;
        };
    }

    private static DeliveryException handshake(EmailSpec spec, String server, SSLHandshakeException h,
            MessagingException e) {
        String trust = spec.caFile().map(f -> "ca_file " + f).orElse("the JDK's trust store");
        for (Throwable c = h.getCause(); c != null; c = c.getCause()) {
            String why = oneLine(String.valueOf(c.getMessage()));
            if (c instanceof CertificateExpiredException || c instanceof CertificateNotYetValidException) {
                return new DeliveryException("TLS: the certificate of SMTP server " + server + " is out of its validity ("
                        + why + ")", true, e);
            }
            if (why.startsWith("No subject alternative") || why.startsWith("No name matching")) {
                return new DeliveryException("TLS: the certificate of SMTP server " + server + " is not for "
                        + spec.host() + " (" + why + ")", true, e);
            }
            if (c instanceof CertPathBuilderException || c instanceof CertPathValidatorException) {
                return new DeliveryException("TLS: the certificate of SMTP server " + server + " is not trusted by "
                        + trust + " (" + why + ")", true, e);
            }
            if (c instanceof EOFException || c instanceof SocketException) {
                // the server went away mid-handshake: a restart, a load balancer; worth another try
                return new DeliveryException("TLS handshake with SMTP server " + server + " was cut off: " + why, false, e);
            }
        }
        return new DeliveryException("TLS handshake with SMTP server " + server + " failed: " + oneLine(h.getMessage())
                + wrongPortHint(spec), true, e);
    }

    private static String wrongPortHint(EmailSpec spec) {
        return spec.security() == EmailSpec.Security.TLS
                ? " (security: tls wants TLS from the first byte, usually port 465; port 587 wants starttls)"
                : "";
    }

    private static String lower(String message, String otherwise) {
        return message == null || message.isBlank() ? otherwise : oneLine(message).toLowerCase(java.util.Locale.ROOT);
    }

    /** One line, runs of blanks as one space (SMTP answers end in CRLF and may have several lines). */
    static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").strip();
    }
}
