package dev.taskmaster.server.api;

import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.Suggestions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Resolves supervisorctl-style targets to instance names: {@code all}; {@code group:*} (every
 * instance of the group); an instance name ({@code web:0}); a program name (all its
 * instances); {@code group:name} (an instance or program of that group). Stateless.
 */
final class Targets {

    private Targets() {
    }

    /**
     * @param instances every instance, in configuration order
     * @return the names, in configuration order, each once
     * @throws StatusRuntimeException NOT_FOUND naming the first target that matches nothing, with a suggestion
     */
    static List<String> resolve(List<String> targets, List<InstanceSpec> instances) {
        Set<String> wanted = new LinkedHashSet<>();
        for (String target : targets) {
            List<String> matched = match(target.strip(), instances);
            if (matched.isEmpty()) {
                throw Status.NOT_FOUND.withDescription("no process, program or group named \"" + target + "\""
                        + suggestion(target, instances)).asRuntimeException();
            }
            wanted.addAll(matched);
        }
        return instances.stream().map(InstanceSpec::name).filter(wanted::contains).toList();
    }

    /** Targets for a command that changes state: at least one is required. */
    static List<String> required(List<String> targets, List<InstanceSpec> instances) {
        if (targets.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription("name what to act on: a process or program name,"
                    + " group:name, group:* or all").asRuntimeException();
        }
        return resolve(targets, instances);
    }

    private static List<String> match(String t, List<InstanceSpec> instances) {
        if (t.equals("all")) {
            return instances.stream().map(InstanceSpec::name).toList();
        }
        List<String> exact = instances.stream().filter(i -> i.name().equals(t)).map(InstanceSpec::name).toList();
        if (!exact.isEmpty()) {
            return exact;
        }
        int colon = t.indexOf(':');
        if (colon < 0) {
            return instances.stream().filter(i -> i.program().name().equals(t)).map(InstanceSpec::name).toList();
        }
        String group = t.substring(0, colon);
        String name = t.substring(colon + 1);
        List<String> out = new ArrayList<>();
        for (InstanceSpec i : instances) {
            if (i.program().group().equals(group)
                    && (name.equals("*") || i.name().equals(name) || i.program().name().equals(name))) {
                out.add(i.name());
            }
        }
        return out;
    }

    private static String suggestion(String target, Collection<InstanceSpec> instances) {
        Set<String> names = new TreeSet<>();
        for (InstanceSpec i : instances) {
            names.add(i.name());
            names.add(i.program().name());
            names.add(i.program().group() + ":*");
        }
        return Suggestions.closest(target, names).map(n -> "; did you mean \"" + n + "\"?").orElse("");
    }
}
