package dev.taskmaster.server.security;

import dev.taskmaster.proto.v1.Role;
import io.grpc.Context;

/**
 * Who is calling, as the {@link RoleInterceptor} established it: every RPC implementation reads
 * it with {@link #current()}. Immutable.
 *
 * @param identity  how the daemon names the caller in audit lines and events:
 *                  {@code "alice (uid 1000)"}, {@code "cert CN=ops-laptop"}, {@code "token deploy-bot"}
 * @param role      what the caller may do
 * @param transport where the call came from: {@code "unix pid 4242"} on the local socket,
 *                  {@code "tcp 127.0.0.1:50412"} over TCP
 */
public record Caller(String identity, Role role, String transport) {

    static final Context.Key<Caller> KEY = Context.key("taskmaster.caller");

    /**
     * What {@link #current()} answers on a call that did not pass the interceptor (only an
     * in-process server of a test can have one): no identity and no role, so nothing that
     * checks a role lets it through.
     */
    public static final Caller NOBODY = new Caller("", Role.ROLE_UNSPECIFIED, "");

    /** The caller of the RPC running on this thread, from the gRPC {@link Context}. */
    public static Caller current() {
        Caller c = KEY.get();
        return c != null ? c : NOBODY;
    }

    /** Whether this caller's role includes {@code needed}. */
    public boolean has(Role needed) {
        return role != Role.ROLE_UNSPECIFIED && role != Role.UNRECOGNIZED && needed != Role.UNRECOGNIZED
                && role.getNumber() >= needed.getNumber();
    }

    /** {@code this} as the caller of the code run in the returned context. */
    public Context in(Context context) {
        return context.withValue(KEY, this);
    }

    /** The role as people write it: {@code viewer}, {@code operator}, {@code admin} ({@code none} when unset). */
    public static String name(Role role) {
        return switch (role) {
            case ROLE_VIEWER -> "viewer";
            case ROLE_OPERATOR -> "operator";
            case ROLE_ADMIN -> "admin";
            case ROLE_UNSPECIFIED, UNRECOGNIZED -> "none";
        };
    }

    /** The proto role of a role granted in the configuration. */
    public static Role of(dev.taskmaster.config.AccessGrant.Role role) {
        return switch (role) {
            case VIEWER -> Role.ROLE_VIEWER;
            case OPERATOR -> Role.ROLE_OPERATOR;
            case ADMIN -> Role.ROLE_ADMIN;
        };
    }

    /** The higher of two roles. */
    static Role max(Role a, Role b) {
        return a.getNumber() >= b.getNumber() ? a : b;
    }
}
