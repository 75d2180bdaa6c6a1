package dev.taskmaster.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code email:} target of a {@code notify:} rule: where and how its messages are mailed.
 * Immutable.
 *
 * @param host         the SMTP server's host name or address ({@code smtp: host:port})
 * @param port         its port
 * @param security     how the connection is protected; {@link Security#STARTTLS} unless said
 * @param user         the login, when the server wants one
 * @param passwordFile the file holding the password (its first line), read at each delivery so
 *                     that a changed password needs no reload; never the password itself in YAML
 * @param from         the sender address
 * @param to           the recipients, at least one
 * @param caFile       PEM certificates to trust for the server instead of the system's (a
 *                     private mail relay); empty = the JDK's trust store
 */
public record EmailSpec(String host, int port, Security security, Optional<String> user, Optional<Path> passwordFile,
        String from, List<String> to, Optional<Path> caFile) {

    /** Default port of {@link Security#STARTTLS} (submission). */
    public static final int SUBMISSION_PORT = 587;

    public EmailSpec {
        Objects.requireNonNull(host);
        Objects.requireNonNull(security);
        Objects.requireNonNull(user);
        Objects.requireNonNull(passwordFile);
        Objects.requireNonNull(from);
        to = List.copyOf(to);
        Objects.requireNonNull(caFile);
    }

    /** How the SMTP connection is protected. */
    public enum Security {
        /** Plain connection upgraded by STARTTLS; delivery fails if the server does not offer it. */
        STARTTLS,
        /** TLS from the first byte (SMTPS, usually port 465). */
        TLS,
        /** No encryption at all: only for a relay on loopback; a password is never sent this way. */
        NONE
    }
}
