package dev.taskmaster.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.health.v1.HealthGrpc;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MethodRolesTest {

    @Test
    void everyMethodOfTheServiceDescriptorDeclaresARole() {
        List<String> undeclared = new ArrayList<>();
        for (MethodDescriptor<?, ?> method : TaskmasterServiceGrpc.getServiceDescriptor().getMethods()) {
            if (MethodRoles.declared(method).isEmpty() || MethodRoles.taskmaster().required(method.getFullMethodName()).isEmpty()) {
                undeclared.add(method.getFullMethodName());
            }
        }
        assertThat(TaskmasterServiceGrpc.getServiceDescriptor().getMethods()).hasSizeGreaterThanOrEqualTo(24);
        assertThat(undeclared).as("methods without (taskmaster.v1.required_role): nobody could call them").isEmpty();
    }

    @Test
    void theTableIsTheContractsOwn() {
        MethodRoles roles = MethodRoles.taskmaster();
        assertThat(roles.required(TaskmasterServiceGrpc.getListProcessesMethod().getFullMethodName())).contains(Role.ROLE_VIEWER);
        assertThat(roles.required(TaskmasterServiceGrpc.getAttachOutputMethod().getFullMethodName())).contains(Role.ROLE_VIEWER);
        assertThat(roles.required(TaskmasterServiceGrpc.getSendInputMethod().getFullMethodName())).contains(Role.ROLE_OPERATOR);
        assertThat(roles.required(TaskmasterServiceGrpc.getStopProcessesMethod().getFullMethodName())).contains(Role.ROLE_OPERATOR);
        assertThat(roles.required(TaskmasterServiceGrpc.getShutdownMethod().getFullMethodName())).contains(Role.ROLE_ADMIN);
        assertThat(roles.required(TaskmasterServiceGrpc.getReloadConfigMethod().getFullMethodName())).contains(Role.ROLE_ADMIN);
    }

    @Test
    void healthAndReflectionAreOpenToAnyAuthenticatedCaller() {
        MethodRoles roles = MethodRoles.taskmaster();
        assertThat(roles.required(HealthGrpc.getCheckMethod().getFullMethodName())).contains(Role.ROLE_VIEWER);
        assertThat(roles.required(HealthGrpc.getWatchMethod().getFullMethodName())).contains(Role.ROLE_VIEWER);
        assertThat(roles.required("grpc.reflection.v1.ServerReflection/ServerReflectionInfo")).contains(Role.ROLE_VIEWER);
        assertThat(roles.required("grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")).contains(Role.ROLE_VIEWER);
    }

    @Test
    void anythingElseHasNoRoleAndIsRefused() {
        MethodRoles roles = MethodRoles.taskmaster();
        assertThat(roles.required("taskmaster.v1.TaskmasterService/NoSuchMethod")).isEmpty();
        assertThat(roles.required("other.Service/Method")).isEmpty();
        // A service whose methods declare nothing (health's .proto has no such option) contributes nothing.
        assertThat(MethodRoles.of(HealthGrpc.getServiceDescriptor()).required("grpc.health.v1.Health/Check"))
                .contains(Role.ROLE_VIEWER); // open by name, not by declaration
        assertThat(MethodRoles.declared(HealthGrpc.getCheckMethod())).isEmpty();
    }

    @Test
    void rolesIncludeTheOnesBefore() {
        Caller operator = new Caller("x", Role.ROLE_OPERATOR, "t");
        assertThat(operator.has(Role.ROLE_VIEWER)).isTrue();
        assertThat(operator.has(Role.ROLE_OPERATOR)).isTrue();
        assertThat(operator.has(Role.ROLE_ADMIN)).isFalse();
        assertThat(Caller.NOBODY.has(Role.ROLE_VIEWER)).isFalse();
        assertThat(Caller.current()).isEqualTo(Caller.NOBODY);
    }
}
