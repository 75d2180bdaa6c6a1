package dev.taskmaster.server.notify;

import dev.taskmaster.config.FileBytes;
import dev.taskmaster.config.NotifyTarget;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * POSTs a message's JSON to a webhook with the JDK's HTTP client. With a secret file, the body
 * is signed as GitHub signs its webhooks: {@code X-Taskmaster-Signature: sha256=<hex HMAC-SHA256
 * of the body>}; the body carries {@code sent_at}, so the signature covers the time too, and
 * {@code X-Taskmaster-Timestamp} gives it to receivers that reject old requests. A 2xx answer
 * is delivered; 4xx other than 408 and 429 is permanent (the same request would be refused
 * again); anything else, or no answer in time, is transient. Redirects are not followed.
 *
 * <p>Threading: as {@link Channel}; the client is thread-safe.
 */
public final class WebhookChannel implements Channel {

    /** Bytes of an error answer quoted in a failure. */
    private static final int QUOTED = 200;

    private final NotifyTarget.Webhook target;
    private final Duration timeout;
    /** Made at the first delivery, on a delivery thread: a rule is made on the engine thread (a reload), and a client starts a selector. */
    private HttpClient client;

    public WebhookChannel(NotifyTarget.Webhook target, Duration timeout) {
        this.target = target;
        this.timeout = timeout;
    }

    private synchronized HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
        }
        return client;
    }

    @Override
    public void deliver(Message message) throws DeliveryException {
        byte[] body = message.json().getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(target.url()).timeout(timeout)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", "taskmasterd")
                .header("X-Taskmaster-Rule", message.rule())
                .header("X-Taskmaster-Timestamp", Long.toString(Instant.now().getEpochSecond()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        target.headers().forEach(request::header);
        if (target.secretFile().isPresent()) {
            request.header("X-Taskmaster-Signature", "sha256=" + sign(secret(), body));
        }
        HttpResponse<String> response;
        try {
            response = client().send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException e) {
            throw new DeliveryException(where() + ": no connection within " + seconds(timeout), false, e);
        } catch (HttpTimeoutException e) {
            throw new DeliveryException(where() + ": no answer within " + seconds(timeout), false, e);
        } catch (ConnectException e) {
            throw new DeliveryException(where() + ": connection refused", false, e);
        } catch (IOException e) {
            throw new DeliveryException(where() + ": " + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()), false, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException(where() + ": interrupted", false, e);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return;
        }
        boolean transientStatus = status >= 500 || status == 408 || status == 429;
        String answer = response.body() == null ? "" : response.body().strip().lines().findFirst().orElse("");
        if (answer.length() > QUOTED) {
            answer = answer.substring(0, QUOTED) + "…";
        }
        throw new DeliveryException(where() + " answered HTTP " + status + (answer.isEmpty() ? "" : ": " + answer)
                + (status >= 300 && status < 400 ? " (redirects are not followed: give the final URL)" : ""),
                !transientStatus);
    }

    private byte[] secret() throws DeliveryException {
        try {
            // Read at each delivery: a rotated secret applies without a reload.
            byte[] bytes = FileBytes.read(target.secretFile().orElseThrow(), 64 * 1024);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int nl = text.indexOf('\n');
            String line = (nl < 0 ? text : text.substring(0, nl)).strip();
            if (line.isEmpty()) {
                throw new DeliveryException("the webhook secret file " + target.secretFile().get() + " is empty", true);
            }
            return line.getBytes(StandardCharsets.UTF_8);
        } catch (FileBytes.Unreadable e) {
            throw new DeliveryException("cannot read the webhook secret file " + target.secretFile().get() + ": "
                    + e.reason(), true, e);
        }
    }

    /** Lower-case hex of HMAC-SHA256(key, body). */
    public static String sign(byte[] key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private String where() {
        return "POST " + target.url();
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    @Override
    public String describe() {
        return "webhook " + target.url();
    }
}
