package dev.taskmaster.server.security;

import dev.taskmaster.config.AccessGrant;
import dev.taskmaster.proto.v1.Role;
import io.grpc.Status;
import io.grpc.StatusException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * The caller behind a client certificate that TLS has already verified against the listener's
 * client CA. Identity: the subject's common name (CN). Role: a {@code {cert: CN, role: R}} entry
 * of {@code server.access} when there is one (so a role can be changed without issuing a new
 * certificate), else the subject's organizational unit (OU) when it names a role, as
 * {@code taskmasterd tls client NAME --role ROLE} writes it. Thread-safe (immutable).
 */
public final class CertificateRoles {

    private final List<AccessGrant> grants;

    public CertificateRoles(List<AccessGrant> grants) {
        this.grants = grants.stream().filter(g -> g.kind() == AccessGrant.Kind.CERT).toList();
    }

    /** @throws StatusException PERMISSION_DENIED when neither the subject nor server.access gives a role */
    public Caller caller(X509Certificate certificate, String transport) throws StatusException {
        X500Principal subject = certificate.getSubjectX500Principal();
        List<Rdn> rdns = rdns(subject);
        Optional<String> cn = values(rdns, "CN").stream().findFirst();
        String identity = cn.map(n -> "cert CN=" + n).orElse("cert " + subject.getName());
        Optional<Role> configured = cn.flatMap(n -> grants.stream().filter(g -> g.name().equals(n))
                .map(g -> Caller.of(g.role())).reduce(Caller::max));
        Optional<Role> fromOu = values(rdns, "OU").stream().map(CertificateRoles::roleNamed).flatMap(Optional::stream)
                .reduce(Caller::max);
        Role role = configured.or(() -> fromOu).orElseThrow(() -> Status.PERMISSION_DENIED.withDescription(identity
                + " has no role: its subject has no OU naming one (viewer, operator or admin) and server.access has no"
                + " {cert: " + cn.orElse("<CN>") + ", role: …} entry").asException());
        return new Caller(identity, role, transport);
    }

    private static Optional<Role> roleNamed(String ou) {
        return switch (ou.strip().toLowerCase(Locale.ROOT)) {
            case "viewer" -> Optional.of(Role.ROLE_VIEWER);
            case "operator" -> Optional.of(Role.ROLE_OPERATOR);
            case "admin" -> Optional.of(Role.ROLE_ADMIN);
            default -> Optional.empty();
        };
    }

    private static List<Rdn> rdns(X500Principal subject) {
        try {
            return new LdapName(subject.getName(X500Principal.RFC2253)).getRdns();
        } catch (InvalidNameException e) {
            return List.of(); // the JDK wrote this name itself: cannot happen
        }
    }

    private static List<String> values(List<Rdn> rdns, String type) {
        // LdapName lists the RDNs from the last to the first as written: reverse to keep the subject's order.
        return rdns.reversed().stream().filter(r -> r.getType().equalsIgnoreCase(type))
                .map(r -> String.valueOf(r.getValue())).toList();
    }
}
