package dev.taskmaster.server.security;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.StatusException;

/**
 * Establishes who makes a call, from what its transport knows (the Unix peer's credentials, the
 * TLS session) and what the call sends (its metadata). Implementations are thread-safe: every
 * call of every connection asks, on gRPC's threads, so they must not block for long.
 */
@FunctionalInterface
public interface Authenticator {

    /**
     * @param transport the call's transport attributes ({@link io.grpc.ServerCall#getAttributes()})
     * @param headers   the call's metadata
     * @return the caller, with a role of at least viewer
     * @throws StatusException UNAUTHENTICATED when the caller cannot be identified,
     *                         PERMISSION_DENIED when it is known but has no role here
     *                         (both with a sentence saying why)
     */
    Caller authenticate(Attributes transport, Metadata headers) throws StatusException;
}
