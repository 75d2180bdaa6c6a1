package dev.taskmaster.client;

import java.security.cert.CertificateException;

/**
 * The daemon's certificate was not accepted; the message says why in a person's words (expired
 * on, not for this host, not signed by a CA you trust). Thrown from the TLS handshake, so gRPC
 * reports it as the cause of an UNAVAILABLE status ({@link ConnectFailure} finds it there).
 */
final class UntrustedServerException extends CertificateException {

    UntrustedServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
