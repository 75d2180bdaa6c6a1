package dev.taskmaster.server.notify;

/**
 * A message was not delivered. The message is one line a person can act on ({@code SMTP login
 * to smtp.example.com:587 rejected: 535 authentication failed}).
 */
public final class DeliveryException extends Exception {

    private final boolean permanent;

    /**
     * @param reason    one line: what failed, where, and the peer's answer when there is one
     * @param permanent whether trying the same message again cannot help (a rejected login, a
     *                  refused recipient, a 4xx answer of a webhook) as opposed to a transient
     *                  failure (connection refused, timeout, 5xx) worth retrying with backoff
     */
    public DeliveryException(String reason, boolean permanent, Throwable cause) {
        super(reason, cause);
        this.permanent = permanent;
    }

    public DeliveryException(String reason, boolean permanent) {
        this(reason, permanent, null);
    }

    public boolean permanent() {
        return permanent;
    }
}
