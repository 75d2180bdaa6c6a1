package dev.taskmaster.config;

import java.util.Locale;

/**
 * One entry of {@code server.access}: a local user, a local group or a client certificate, and
 * the role it is granted. Names are kept as written: the daemon resolves users and groups when a
 * caller connects, so an account created after the daemon started is honoured. Immutable.
 *
 * @param kind what {@code name} names
 * @param name a user name or uid, a group name or gid, or a certificate's subject CN
 * @param role the role granted
 */
public record AccessGrant(Kind kind, String name, Role role) {

    /** What an entry grants a role to; the YAML key of each is its lower-case name. */
    public enum Kind {
        /** A local user, by name or uid, calling on the Unix socket. */
        USER,
        /** Every local user whose primary or supplementary groups include this group (name or gid). */
        GROUP,
        /** A client certificate, by its subject's common name (CN), calling over mutual TLS. */
        CERT;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a caller may do; each role includes the ones before it. */
    public enum Role {
        /** Read: status, events, output, attach read-only. */
        VIEWER,
        /** Viewer, plus start, stop, restart, signal, pause, resume, clear output, attach with input. */
        OPERATOR,
        /** Operator, plus reload, add, update, remove, adopt and shutdown. */
        ADMIN;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** As written in YAML, e.g. {@code {group: deploy, role: operator}}. */
    @Override
    public String toString() {
        return "{" + kind.key() + ": " + name + ", role: " + role.key() + "}";
    }
}
