package dev.taskmaster.server.notify;

/**
 * One way a notification rule delivers its messages: a webhook, an email, a command.
 *
 * <p>Threading: {@link #deliver} is called from the notifier's delivery thread only, never from
 * the engine thread, one message at a time per channel; it may block up to the channel's own
 * timeout. {@link #describe} may be called from any thread.
 */
public interface Channel {

    /**
     * Delivers the message, or throws saying why in one line.
     *
     * @throws DeliveryException when the message was not delivered; {@link DeliveryException#permanent()}
     *                           says whether trying again can help
     */
    void deliver(Message message) throws DeliveryException;

    /** What it delivers to, in words for logs and events: {@code email to ops@example.com via smtp.example.com:587}. */
    String describe();
}
