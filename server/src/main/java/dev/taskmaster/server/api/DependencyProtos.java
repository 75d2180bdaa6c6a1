package dev.taskmaster.server.api;

import dev.taskmaster.config.Dependency;
import dev.taskmaster.proto.v1.DependencyCondition;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/** {@code depends_on} between the configuration's records and the contract's messages. Stateless. */
final class DependencyProtos {

    private DependencyProtos() {
    }

    static DependencyCondition condition(dev.taskmaster.config.DependencyCondition c) {
        return DependencyCondition.valueOf("DEPENDENCY_CONDITION_" + c.name());
    }

    static dev.taskmaster.proto.v1.Dependency toProto(Dependency d) {
        return dev.taskmaster.proto.v1.Dependency.newBuilder().setProgram(d.program()).setCondition(condition(d.condition())).build();
    }

    /**
     * The entries as the {@code depends_on:} mapping of a config file, for the loader to validate as
     * in a file; UNSPECIFIED is {@code started}, as the contract says. An enum number no YAML word
     * stands for goes to {@code problems} (key path, message).
     */
    static String toYaml(List<dev.taskmaster.proto.v1.Dependency> deps, UnaryOperator<String> quote, String path,
            BiConsumer<String, String> problems) {
        StringBuilder y = new StringBuilder("depends_on:\n");
        for (dev.taskmaster.proto.v1.Dependency d : deps) {
            String condition = switch (d.getCondition()) {
                case DEPENDENCY_CONDITION_UNSPECIFIED, DEPENDENCY_CONDITION_STARTED -> "started";
                case DEPENDENCY_CONDITION_RUNNING -> "running";
                case DEPENDENCY_CONDITION_HEALTHY -> "healthy";
                case DEPENDENCY_CONDITION_COMPLETED_SUCCESSFULLY -> "completed_successfully";
                case UNRECOGNIZED -> {
                    problems.accept(path + "depends_on." + d.getProgram(), "expected DEPENDENCY_CONDITION_STARTED,"
                            + " DEPENDENCY_CONDITION_RUNNING, DEPENDENCY_CONDITION_HEALTHY or"
                            + " DEPENDENCY_CONDITION_COMPLETED_SUCCESSFULLY, found " + d.getConditionValue());
                    yield "started";
                }
            };
            y.append("  ").append(quote.apply(d.getProgram())).append(": ").append(condition).append('\n');
        }
        return y.toString();
    }
}
