package dev.taskmaster.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.config.AccessGrant;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.ShutdownRequest;
import dev.taskmaster.proto.v1.ShutdownResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identities over real TLS on 127.0.0.1: a server built as the daemon's TCP listeners will be
 * (NettyServerBuilder, TlsServerCredentials, client certificates optional so token clients can
 * connect), certificates made at test time, the daemon's interceptor and authenticator.
 */
class TlsIdentityTest {

    static final String TOKEN = "tm_test-token-for-deploy-bot";
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path tmp;
    TestCertificates pki;
    Server server;
    final List<ManagedChannel> channels = new ArrayList<>();

    /** Answers who the caller is, and refuses nothing itself: the interceptor does. */
    static final class WhoAmI extends TaskmasterServiceGrpc.TaskmasterServiceImplBase {
        @Override
        public void getServerInfo(GetServerInfoRequest request, StreamObserver<GetServerInfoResponse> response) {
            Caller c = Caller.current();
            response.onNext(GetServerInfoResponse.newBuilder().setCallerRole(c.role()).setCallerIdentity(c.identity()).build());
            response.onCompleted();
        }

        @Override
        public void shutdown(ShutdownRequest request, StreamObserver<ShutdownResponse> response) {
            response.onNext(ShutdownResponse.getDefaultInstance());
            response.onCompleted();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestCertificates(Files.createDirectories(tmp.resolve("pki")), "Test CA");
    }

    void start(List<AccessGrant> access) throws Exception {
        Path tokensFile = tmp.resolve("tokens");
        Files.writeString(tokensFile, "deploy-bot viewer " + HexFormat.of().formatHex(Token.hash(TOKEN)) + "\n");
        Files.setPosixFilePermissions(tokensFile, PosixFilePermissions.fromString("rw-------"));
        int me = (Integer) Files.getAttribute(tokensFile, "unix:uid");
        Tokens tokens = Tokens.load(Optional.of(tokensFile), () -> me);
        TestCertificates.Issued cert = pki.server();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), TlsServerCredentials.newBuilder()
                        .keyManager(cert.certFile().toFile(), cert.keyFile().toFile())
                        .trustManager(pki.ca.certFile().toFile())
                        .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL).build())
                .addService(new WhoAmI())
                .intercept(new RoleInterceptor(new Identities(new LocalAccess(access, () -> -1, LocalAccess.Accounts.SYSTEM),
                        new CertificateRoles(access), tokens, new FailedAttempts())))
                .build().start();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    TaskmasterServiceGrpc.TaskmasterServiceBlockingStub client(TestCertificates.Issued cert, TestCertificates trusting,
            String authorization) {
        try {
            return channel(cert, trusting, authorization);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private TaskmasterServiceGrpc.TaskmasterServiceBlockingStub channel(TestCertificates.Issued cert, TestCertificates trusting,
            String authorization) throws java.io.IOException {
        TlsChannelCredentials.Builder creds = TlsChannelCredentials.newBuilder().trustManager(trusting.ca.certFile().toFile());
        if (cert != null) {
            creds.keyManager(cert.certFile().toFile(), cert.keyFile().toFile());
        }
        ChannelCredentials c = creds.build();
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(), c).build();
        channels.add(channel);
        var stub = TaskmasterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
        if (authorization != null) {
            Metadata m = new Metadata();
            m.put(AUTHORIZATION, authorization);
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
        }
        return stub;
    }

    static Status refused(Runnable call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
        assertThat(e).as("expected the call to be refused").isNotNull();
        return e.getStatus();
    }

    static String who(GetServerInfoResponse r) {
        return r.getCallerIdentity() + " " + Caller.name(r.getCallerRole());
    }

    @Test
    void aClientCertificateIsItsCommonNameWithTheRoleItsOuNames() throws Exception {
        start(List.of());
        var ops = client(pki.client("CN=ops-laptop,OU=operator,O=Example"), pki, null);
        assertThat(who(ops.getServerInfo(GetServerInfoRequest.getDefaultInstance()))).isEqualTo("cert CN=ops-laptop operator");
        Status s = refused(() -> ops.shutdown(ShutdownRequest.getDefaultInstance()));
        assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(s.getDescription()).isEqualTo("Shutdown needs the admin role; cert CN=ops-laptop is operator");
        var admin = client(pki.client("CN=root-laptop,OU=Admin"), pki, null);
        admin.shutdown(ShutdownRequest.getDefaultInstance());
    }

    @Test
    void anAccessEntryGivesACertificateItsRoleAndOverridesTheOu() throws Exception {
        start(List.of(new AccessGrant(AccessGrant.Kind.CERT, "ci", AccessGrant.Role.ADMIN),
                new AccessGrant(AccessGrant.Kind.CERT, "demoted", AccessGrant.Role.VIEWER)));
        assertThat(who(client(pki.client("CN=ci"), pki, null).getServerInfo(GetServerInfoRequest.getDefaultInstance())))
                .isEqualTo("cert CN=ci admin");
        assertThat(who(client(pki.client("CN=demoted,OU=admin"), pki, null).getServerInfo(GetServerInfoRequest.getDefaultInstance())))
                .isEqualTo("cert CN=demoted viewer");
    }

    @Test
    void aCertificateWithNoRoleIsRefusedSayingHowToGiveOne() throws Exception {
        start(List.of());
        var nobody = client(pki.client("CN=nobody,OU=engineering"), pki, null);
        Status s = refused(() -> nobody.getServerInfo(GetServerInfoRequest.getDefaultInstance()));
        assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(s.getDescription()).isEqualTo("cert CN=nobody has no role: its subject has no OU naming one (viewer,"
                + " operator or admin) and server.access has no {cert: nobody, role: …} entry");
    }

    @Test
    void aCertificateFromAnotherCaNeverGetsThrough() throws Exception {
        start(List.of());
        TestCertificates other = new TestCertificates(Files.createDirectories(tmp.resolve("other")), "Other CA");
        var stranger = client(other.client("CN=ops-laptop,OU=admin"), pki, null);
        // With client certificates optional, TLS drops a certificate it cannot verify: the call
        // arrives with no identity at all, and is refused (and counted as a failure).
        Status s = refused(() -> stranger.getServerInfo(GetServerInfoRequest.getDefaultInstance()));
        assertThat(s.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(s.getDescription()).startsWith("no credentials: ");
    }

    @Test
    void aBearerTokenIsItsNameWithItsRole() throws Exception {
        start(List.of());
        var bot = client(null, pki, "Bearer " + TOKEN);
        assertThat(who(bot.getServerInfo(GetServerInfoRequest.getDefaultInstance()))).isEqualTo("token deploy-bot viewer");
        assertThat(refused(() -> bot.shutdown(ShutdownRequest.getDefaultInstance())).getDescription())
                .isEqualTo("Shutdown needs the admin role; token deploy-bot is viewer");
        // A token wins over the certificate sent with it: it is the explicit choice.
        var both = client(pki.client("CN=ops,OU=admin"), pki, "bearer " + TOKEN);
        assertThat(who(both.getServerInfo(GetServerInfoRequest.getDefaultInstance()))).isEqualTo("token deploy-bot viewer");
    }

    @Test
    void wrongMalformedOrMissingCredentialsAreUnauthenticated() throws Exception {
        start(List.of());
        Status wrong = refused(() -> client(null, pki, "Bearer tm_nope").getServerInfo(GetServerInfoRequest.getDefaultInstance()));
        assertThat(wrong.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(wrong.getDescription()).isEqualTo("the bearer token is not one this daemon accepts");
        Status basic = refused(() -> client(null, pki, "Basic dXNlcjpwYXNz").getServerInfo(GetServerInfoRequest.getDefaultInstance()));
        assertThat(basic.getDescription()).isEqualTo("the authorization header must be \"Bearer <token>\"");
        Status none = refused(() -> client(null, pki, null).getServerInfo(GetServerInfoRequest.getDefaultInstance()));
        assertThat(none.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(none.getDescription()).isEqualTo("no credentials: present a client certificate (mutual TLS) or send"
                + " \"authorization: Bearer <token>\"");
    }

    @Test
    void afterFiveFailuresEvenTheRightTokenIsRefusedWithoutBeingChecked() throws Exception {
        start(List.of());
        var guesser = client(null, pki, "Bearer tm_guess");
        for (int i = 0; i < FailedAttempts.BURST; i++) {
            assertThat(refused(() -> guesser.getServerInfo(GetServerInfoRequest.getDefaultInstance())).getDescription())
                    .as("failure %d", i + 1).isEqualTo("the bearer token is not one this daemon accepts");
        }
        Status limited = refused(() -> client(null, pki, "Bearer " + TOKEN).getServerInfo(GetServerInfoRequest.getDefaultInstance()));
        assertThat(limited.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(limited.getDescription()).matches("too many failed attempts from 127\\.0\\.0\\.1; try again in \\d+ s");
        // A certificate the handshake verified is not a guess: others' failures from the same
        // address (a NAT, a tunnel, a local user) do not lock it out.
        var ops = client(pki.client("CN=ops-laptop,OU=operator"), pki, null);
        assertThat(who(ops.getServerInfo(GetServerInfoRequest.getDefaultInstance()))).isEqualTo("cert CN=ops-laptop operator");
    }
}
