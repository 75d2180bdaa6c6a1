package dev.taskmaster.server.notify.mail;

import dev.taskmaster.config.EmailSpec;
import dev.taskmaster.server.notify.Channel;
import dev.taskmaster.server.notify.DeliveryException;
import dev.taskmaster.server.notify.Message;

/**
 * Mails a rule's messages through SMTP. MERGE SCAFFOLD: replaced by the mail helper's
 * implementation before this lands; it exists so that the notifier can be built against it.
 */
public final class MailChannel implements Channel {

    private final EmailSpec spec;

    /**
     * @param spec     where and how to mail
     * @param hostname this host's name, for the HELO/EHLO greeting and the Message-ID
     */
    public MailChannel(EmailSpec spec, String hostname) {
        this.spec = spec;
    }

    @Override
    public void deliver(Message message) throws DeliveryException {
        throw new DeliveryException("email delivery is not built yet", true);
    }

    @Override
    public String describe() {
        return "email to " + String.join(", ", spec.to()) + " via " + spec.host() + ":" + spec.port();
    }
}
