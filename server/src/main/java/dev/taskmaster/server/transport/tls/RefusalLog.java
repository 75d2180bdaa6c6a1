package dev.taskmaster.server.transport.tls;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per refused client certificate, saying whose it was and why, so that "why can't
 * alice connect?" has an answer in the daemon log. Anyone who can reach the port can present a
 * certificate, so at most one line a second is written; the refusals in between are counted in
 * the next line. Thread-safe: handshakes run on several threads.
 */
final class RefusalLog {

    private static final Logger log = LoggerFactory.getLogger(RefusalLog.class);
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong lastLine = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
    private final AtomicLong unlogged = new AtomicLong();

    void refused(X509Certificate[] chain, List<X509Certificate> authorities, CertificateException e) {
        long now = System.nanoTime();
        long last = lastLine.get();
        if (now - last < INTERVAL_NANOS || !lastLine.compareAndSet(last, now)) {
            unlogged.incrementAndGet();
            return;
        }
        long more = unlogged.getAndSet(0);
        String who = chain == null || chain.length == 0 ? "an empty certificate chain"
                : "the client certificate " + chain[0].getSubjectX500Principal().getName();
        log.info("refused {}: {}{}", who, why(chain, authorities, e),
                more == 0 ? "" : " (and " + more + " more refused since the last such line)");
    }

    /** In words: expired, not yet valid, or issued by a CA not in client_ca; else the JDK's reason. */
    static String why(X509Certificate[] chain, List<X509Certificate> authorities, CertificateException e) {
        if (chain != null && chain.length > 0) {
            X509Certificate leaf = chain[0];
            Instant now = Instant.now();
            if (now.isAfter(leaf.getNotAfter().toInstant())) {
                return "it expired on " + leaf.getNotAfter().toInstant();
            }
            if (now.isBefore(leaf.getNotBefore().toInstant())) {
                return "it is not valid before " + leaf.getNotBefore().toInstant();
            }
            boolean known = authorities.stream().anyMatch(
                    ca -> ca.getSubjectX500Principal().equals(leaf.getIssuerX500Principal()));
            if (!known) {
                return "it was issued by " + leaf.getIssuerX500Principal().getName() + ", which is not in client_ca";
            }
        }
        return e.getMessage();
    }
}
