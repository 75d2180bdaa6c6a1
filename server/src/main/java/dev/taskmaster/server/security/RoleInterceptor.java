package dev.taskmaster.server.security;

import com.google.protobuf.Message;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.Optional;

/**
 * The one place where calls are let in: every call of every service on every transport passes
 * here first. It identifies the caller ({@link Authenticator}; UNAUTHENTICATED or
 * PERMISSION_DENIED when it cannot), checks the role the method declares ({@link MethodRoles};
 * PERMISSION_DENIED with a sentence naming the role needed), makes the {@link Caller} the
 * current one for the RPC ({@link Caller#current()}), and audits every call that needs more
 * than viewing ({@link AuditLog}). Install it on the server builder ({@code intercept}) so that
 * health and reflection pass it too. Thread-safe.
 */
public final class RoleInterceptor implements ServerInterceptor {

    private static final String ATTACH = TaskmasterServiceGrpc.getAttachOutputMethod().getFullMethodName();

    private final Authenticator authenticator;
    private final MethodRoles roles;
    private final AuditLog audit;
    /**
     * Why calls that change something are turned away for now, or null. Set while a daemon
     * started as root serves before it has switched to server.user: a start or an added program
     * then would run as root.
     */
    private volatile String holding;

    public RoleInterceptor(Authenticator authenticator) {
        this(authenticator, MethodRoles.taskmaster(), new AuditLog());
    }

    RoleInterceptor(Authenticator authenticator, MethodRoles roles, AuditLog audit) {
        this.authenticator = authenticator;
        this.roles = roles;
        this.audit = audit;
    }

    /** Turns away every call that needs more than viewing, saying {@code why}, until {@link #release}. Any thread. */
    public void hold(String why) {
        holding = why;
    }

    /** Lets every call through to its role check again. Any thread. */
    public void release() {
        holding = null;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        String rpc = call.getMethodDescriptor().getBareMethodName();
        Caller caller;
        try {
            caller = authenticator.authenticate(call.getAttributes(), headers);
        } catch (StatusException e) {
            return refuse(call, null, rpc, e.getStatus());
        } catch (RuntimeException e) {
            return refuse(call, null, rpc, Status.INTERNAL.withDescription("cannot identify the caller: " + e).withCause(e));
        }
        Optional<Role> needed = roles.required(method);
        if (needed.isEmpty()) {
            return refuse(call, caller, rpc, Status.PERMISSION_DENIED.withDescription(method
                    + " declares no role, and the daemon serves nothing it cannot check"));
        }
        if (!caller.has(needed.get())) {
            return refuse(call, caller, rpc, Status.PERMISSION_DENIED.withDescription(rpc + " needs the "
                    + Caller.name(needed.get()) + " role; " + caller.identity() + " is " + Caller.name(caller.role())));
        }
        String held = holding;
        if (held != null && MethodRoles.mutating(needed.get())) {
            return refuse(call, caller, rpc, Status.UNAVAILABLE.withDescription(held + "; try again in a moment"));
        }
        Context context = caller.in(Context.current());
        if (!MethodRoles.mutating(needed.get()) && !method.equals(ATTACH)) {
            return Contexts.interceptCall(context, call, headers, next);
        }
        Audited<Q, R> audited = new Audited<>(call, caller, rpc, method.equals(ATTACH));
        return audited.listener(Contexts.interceptCall(context, audited, headers, next));
    }

    private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Caller caller, String rpc, Status status) {
        audit.refused(caller, caller != null ? caller.transport() : Transports.describe(call.getAttributes()), rpc, status);
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    /** Remembers the request, and writes the audit line when the call ends. */
    private final class Audited<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final Caller caller;
        private final String rpc;
        /** An attach is audited only when it asks for input: reading is not a change. */
        private final boolean onlyWithInput;
        private volatile Message request;
        private final java.util.concurrent.atomic.AtomicBoolean written = new java.util.concurrent.atomic.AtomicBoolean();

        Audited(ServerCall<Q, R> call, Caller caller, String rpc, boolean onlyWithInput) {
            super(call);
            this.caller = caller;
            this.rpc = rpc;
            this.onlyWithInput = onlyWithInput;
        }

        ServerCall.Listener<Q> listener(ServerCall.Listener<Q> delegate) {
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
                @Override
                public void onMessage(Q message) {
                    if (message instanceof Message m) {
                        request = m;
                    }
                    super.onMessage(message);
                }

                /** A handler that throws is closed by gRPC itself, past {@link #close}: audited here. */
                @Override
                public void onHalfClose() {
                    try {
                        super.onHalfClose();
                    } catch (RuntimeException e) {
                        write(Status.UNKNOWN.withDescription("the daemon failed: " + e));
                        throw e;
                    }
                }

                /** A stream the client ends (a detach) is never closed by the server: it ends here. */
                @Override
                public void onCancel() {
                    write(Status.CANCELLED.withDescription("ended by the client"));
                    super.onCancel();
                }
            };
        }

        @Override
        public void close(Status status, Metadata trailers) {
            write(status);
            super.close(status, trailers);
        }

        private void write(Status status) {
            Message m = request;
            boolean readOnly = onlyWithInput && (!(m instanceof AttachOutputRequest a)
                    || a.getInputMode() == InputMode.INPUT_MODE_UNSPECIFIED || a.getInputMode() == InputMode.INPUT_MODE_READ_ONLY);
            if (!readOnly && written.compareAndSet(false, true)) {
                try {
                    audit.call(caller, rpc, m, status);
                } catch (RuntimeException e) {
                    // The call must end whatever happens to its audit line; the failure is a bug to see.
                    org.slf4j.LoggerFactory.getLogger(RoleInterceptor.class).error("cannot audit {}: {}", rpc, e.toString(), e);
                }
            }
        }
    }
}
