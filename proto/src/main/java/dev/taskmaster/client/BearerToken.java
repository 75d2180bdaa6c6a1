package dev.taskmaster.client;

import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.Metadata;
import io.grpc.SecurityLevel;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.concurrent.Executor;

/**
 * Sends {@code authorization: Bearer <token>} with every call of a channel. It refuses to send
 * the token over a connection without TLS unless that connection is known to stay on this
 * machine (a Unix socket, a loopback address): a token sent in clear text is a token given away.
 * Immutable; gRPC calls it from any thread.
 */
final class BearerToken extends CallCredentials {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final String header;
    private final boolean local;

    /**
     * {@code credentials} that also send the token read from {@code tokenFile} (a static method,
     * so that a channel without a token never loads this class).
     */
    static ChannelCredentials with(ChannelCredentials credentials, Path tokenFile, boolean local) {
        return CompositeChannelCredentials.create(credentials, new BearerToken(SecretFiles.token(tokenFile), local));
    }

    /**
     * @param token the token, printable ASCII ({@link SecretFiles#token})
     * @param local whether the connection stays on this machine, so it may go without TLS
     */
    BearerToken(String token, boolean local) {
        this.header = "Bearer " + token;
        this.local = local;
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        if (info.getSecurityLevel() != SecurityLevel.PRIVACY_AND_INTEGRITY && !local) {
            applier.fail(Status.UNAUTHENTICATED.withDescription("refusing to send the token to " + info.getAuthority()
                    + " over a connection without TLS"));
            return;
        }
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, header);
        applier.apply(headers);
    }
}
