package dev.taskmaster.server.security;

import com.google.protobuf.Descriptors;
import dev.taskmaster.proto.v1.AuthProto;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The role each method needs, read once from the {@code (taskmaster.v1.required_role)} option of
 * the service descriptors, never per call. The gRPC health and reflection services are open to
 * every authenticated caller (viewer). A method of any other service has no role and is refused:
 * nothing is served that was not checked. Immutable.
 */
public final class MethodRoles {

    /** Services any authenticated caller may use: they say whether the daemon is up and what it serves. */
    static final Set<String> OPEN_SERVICES = Set.of("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");

    private final Map<String, Role> byMethod;

    private MethodRoles(Map<String, Role> byMethod) {
        this.byMethod = Map.copyOf(byMethod);
    }

    /** The roles of TaskmasterService, as its .proto declares them. */
    public static MethodRoles taskmaster() {
        return of(TaskmasterServiceGrpc.getServiceDescriptor());
    }

    /** The roles declared by these services; a method that declares none is left out (and so refused). */
    static MethodRoles of(ServiceDescriptor... services) {
        Map<String, Role> roles = new LinkedHashMap<>();
        for (ServiceDescriptor service : services) {
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                declared(method).ifPresent(r -> roles.put(method.getFullMethodName(), r));
            }
        }
        return new MethodRoles(roles);
    }

    /** The role a method declares in its .proto, if it declares one. */
    public static Optional<Role> declared(MethodDescriptor<?, ?> method) {
        if (!(method.getSchemaDescriptor() instanceof ProtoMethodDescriptorSupplier proto)) {
            return Optional.empty();
        }
        Descriptors.MethodDescriptor descriptor = proto.getMethodDescriptor();
        Role role = descriptor.getOptions().getExtension(AuthProto.requiredRole);
        return role == Role.ROLE_UNSPECIFIED || role == Role.UNRECOGNIZED ? Optional.empty() : Optional.of(role);
    }

    /** The role a call of {@code fullMethodName} ("service/Method") needs; empty when none may make it. */
    public Optional<Role> required(String fullMethodName) {
        Role role = byMethod.get(fullMethodName);
        if (role != null) {
            return Optional.of(role);
        }
        String service = MethodDescriptor.extractFullServiceName(fullMethodName);
        return OPEN_SERVICES.contains(service) ? Optional.of(Role.ROLE_VIEWER) : Optional.empty();
    }

    /** Whether a call needs more than viewing: such calls change something, and are audited. */
    static boolean mutating(Role role) {
        return role.getNumber() >= Role.ROLE_OPERATOR.getNumber();
    }
}
