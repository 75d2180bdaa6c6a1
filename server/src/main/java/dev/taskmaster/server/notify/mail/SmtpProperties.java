package dev.taskmaster.server.notify.mail;

import dev.taskmaster.config.EmailSpec;
import java.time.Duration;
import java.util.Properties;
import javax.net.ssl.SSLSocketFactory;

/**
 * The Jakarta Mail session properties of one delivery: where, how protected, greeting name and
 * timeouts. Always the "smtp" protocol; SMTPS is its {@code ssl.enable}. Stateless; any thread.
 */
final class SmtpProperties {

    private SmtpProperties() {
    }

    /**
     * @param sockets TLS sockets to use, for {@link EmailSpec.Security#STARTTLS} and {@link EmailSpec.Security#TLS}
     * @param timeout for connecting, and for each read and write: a dead or stalled server never
     *                holds the delivery thread longer than this per step
     */
    static Properties of(EmailSpec spec, String hostname, Duration timeout, SSLSocketFactory sockets) {
        Properties p = new Properties();
        p.setProperty("mail.transport.protocol", "smtp");
        p.setProperty("mail.smtp.host", spec.host());
        p.setProperty("mail.smtp.port", Integer.toString(spec.port()));
        p.setProperty("mail.smtp.localhost", hostname); // the EHLO name
        String millis = Long.toString(timeout.toMillis());
        p.setProperty("mail.smtp.connectiontimeout", millis);
        p.setProperty("mail.smtp.timeout", millis);
        p.setProperty("mail.smtp.writetimeout", millis);
        p.setProperty("mail.smtp.auth", Boolean.toString(spec.user().isPresent()));
        // The whole message or nothing: a partial send would make a retry mail some people twice.
        p.setProperty("mail.smtp.sendpartial", "false");
        switch (spec.security()) {
            case STARTTLS -> {
                p.setProperty("mail.smtp.starttls.enable", "true");
                // never fall back to plain text when the server does not offer STARTTLS
                p.setProperty("mail.smtp.starttls.required", "true");
                tls(p, sockets);
            }
            case TLS -> {
                p.setProperty("mail.smtp.ssl.enable", "true");
                tls(p, sockets);
            }
            case NONE -> {
                p.setProperty("mail.smtp.starttls.enable", "false");
                p.setProperty("mail.smtp.ssl.enable", "false");
            }
        }
        return p;
    }

    private static void tls(Properties p, SSLSocketFactory sockets) {
        p.put("mail.smtp.ssl.socketFactory", sockets);
        // Angus would otherwise retry a failed handshake with the JDK's default sockets: another
        // trust than ca_file's, and a second connection that hides the first one's error.
        p.setProperty("mail.smtp.socketFactory.fallback", "false");
        p.setProperty("mail.smtp.ssl.checkserveridentity", "true");
        p.setProperty("mail.smtp.ssl.protocols", "TLSv1.3 TLSv1.2");
    }
}
