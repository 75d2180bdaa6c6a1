package dev.taskmaster.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Where a {@code notify:} rule delivers: exactly one of a webhook, an email, a command. Immutable. */
public sealed interface NotifyTarget {

    /** Its kind in one word, as the key is written: {@code webhook}, {@code email}, {@code exec}. */
    String kind();

    /**
     * {@code webhook:} POST the message as JSON.
     *
     * @param url        https, or http to a loopback host only
     * @param secretFile a file whose content (its first line, trimmed) keys the HMAC-SHA256
     *                   signature of every body; read at each delivery, so a new secret needs no reload;
     *                   empty = no signature header
     * @param headers    extra request headers (a bearer token for a chat service, say)
     */
    record Webhook(URI url, Optional<Path> secretFile, Map<String, String> headers) implements NotifyTarget {
        public Webhook {
            Objects.requireNonNull(url);
            Objects.requireNonNull(secretFile);
            headers = Map.copyOf(headers);
        }

        @Override
        public String kind() {
            return "webhook";
        }
    }

    /** {@code email:} mail the message. */
    record Email(EmailSpec spec) implements NotifyTarget {
        public Email {
            Objects.requireNonNull(spec);
        }

        @Override
        public String kind() {
            return "email";
        }
    }

    /**
     * {@code exec:} run a command with the message as JSON on its standard input and as
     * {@code TASKMASTER_*} environment variables.
     *
     * @param command the command as written
     * @param argv    its words (a string is split like a shell would, without a shell)
     */
    record Exec(String command, List<String> argv) implements NotifyTarget {
        public Exec {
            Objects.requireNonNull(command);
            argv = List.copyOf(argv);
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("an empty command");
            }
        }

        @Override
        public String kind() {
            return "exec";
        }
    }
}
