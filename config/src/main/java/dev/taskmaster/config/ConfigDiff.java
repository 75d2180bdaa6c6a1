package dev.taskmaster.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a reload must do to go from one configuration to another, per program and per instance.
 * A change of {@code numprocs} shows per instance: 3 → 5 adds two instances and leaves the
 * first three unchanged.
 *
 * @param programs      one entry per program in either configuration
 * @param instances     one entry per instance in either configuration
 * @param serverChanged whether the {@code server:} section differs (it applies on daemon restart only)
 */
public record ConfigDiff(List<ProgramChange> programs, List<InstanceChange> instances, boolean serverChanged) {

    /** What happens to one program or instance. */
    public enum Kind {
        /** Only in the new configuration: start it (if autostart). */
        ADDED,
        /** Only in the old configuration: stop it. */
        REMOVED,
        /** It would run differently (command, env, directory, user, umask, stdio): restart it. */
        CHANGED,
        /** Only supervision settings differ (restart policy, timeouts, priority…): apply them in place. */
        UPDATED,
        /** Identical: leave it alone. */
        UNCHANGED
    }

    /** @param before empty when added; @param after empty when removed */
    public record ProgramChange(String name, Kind kind, Optional<ProgramSpec> before, Optional<ProgramSpec> after) {

        /** The configuration keys whose values differ, in the order of the program reference. */
        public List<String> changedKeys() {
            if (before.isEmpty() || after.isEmpty()) {
                return List.of();
            }
            ProgramSpec a = before.get();
            ProgramSpec b = after.get();
            List<String> keys = new ArrayList<>();
            for (java.lang.reflect.RecordComponent c : ProgramSpec.class.getRecordComponents()) {
                String key = switch (c.getName()) {
                    case "name", "argv", "logRotation" -> null; // the name is the identity; argv follows cmd
                    default -> c.getName().replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
                };
                if (key != null && !java.util.Objects.equals(value(c, a), value(c, b))) {
                    keys.add(key);
                }
            }
            if (a.logRotation().maxBytes() != b.logRotation().maxBytes()) {
                keys.add("logfile_maxbytes");
            }
            if (a.logRotation().backups() != b.logRotation().backups()) {
                keys.add("logfile_backups");
            }
            return keys;
        }

        private static Object value(java.lang.reflect.RecordComponent c, ProgramSpec p) {
            try {
                return c.getAccessor().invoke(p);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c.getName(), e);
            }
        }
    }

    /** @param before empty when added; @param after empty when removed */
    public record InstanceChange(String name, Kind kind, Optional<InstanceSpec> before, Optional<InstanceSpec> after) {
    }

    public ConfigDiff {
        programs = List.copyOf(programs);
        instances = List.copyOf(instances);
    }

    public static ConfigDiff between(Config before, Config after) {
        Map<String, ProgramSpec> old = index(before.programs(), ProgramSpec::name);
        Map<String, ProgramSpec> now = index(after.programs(), ProgramSpec::name);
        List<ProgramChange> programs = new ArrayList<>();
        for (ProgramSpec p : after.programs()) {
            ProgramSpec o = old.get(p.name());
            programs.add(new ProgramChange(p.name(), o == null ? Kind.ADDED : kind(o, p), Optional.ofNullable(o),
                    Optional.of(p)));
        }
        for (ProgramSpec o : before.programs()) {
            if (!now.containsKey(o.name())) {
                programs.add(new ProgramChange(o.name(), Kind.REMOVED, Optional.of(o), Optional.empty()));
            }
        }
        Map<String, InstanceSpec> oldInstances = index(before.instances(), InstanceSpec::name);
        Map<String, InstanceSpec> newInstances = index(after.instances(), InstanceSpec::name);
        List<InstanceChange> instances = new ArrayList<>();
        // An instance's kind depends only on its two programs: compared once per pair, not once
        // per instance (10,000 instances of a program with a large env cost 10,000 deep compares).
        Map<List<String>, Kind> kinds = new java.util.HashMap<>();
        for (InstanceSpec i : after.instances()) {
            InstanceSpec o = oldInstances.get(i.name());
            Kind kind = o == null ? Kind.ADDED
                    : kinds.computeIfAbsent(List.of(o.program().name(), i.program().name()), k -> kind(o, i));
            instances.add(new InstanceChange(i.name(), kind, Optional.ofNullable(o), Optional.of(i)));
        }
        for (InstanceSpec o : before.instances()) {
            if (!newInstances.containsKey(o.name())) {
                instances.add(new InstanceChange(o.name(), Kind.REMOVED, Optional.of(o), Optional.empty()));
            }
        }
        return new ConfigDiff(programs, instances, !before.server().equals(after.server()));
    }

    private static Kind kind(ProgramSpec before, ProgramSpec after) {
        if (before.equals(after)) {
            return Kind.UNCHANGED;
        }
        return before.runsLike(after) ? Kind.UPDATED : Kind.CHANGED;
    }

    private static Kind kind(InstanceSpec before, InstanceSpec after) {
        ProgramSpec o = before.program();
        ProgramSpec n = after.program();
        if (!o.name().equals(n.name()) || !o.runsLike(n)) {
            return Kind.CHANGED;
        }
        // How many siblings an instance has, and how they are named, is no concern of the instance.
        return o.withNumprocs(n.numprocs(), n.processName()).equals(n) ? Kind.UNCHANGED : Kind.UPDATED;
    }

    private static <T> Map<String, T> index(List<T> items, Function<T, String> name) {
        return items.stream().collect(Collectors.toMap(name, Function.identity(), (a, b) -> a, LinkedHashMap::new));
    }

    public List<String> programNames(Kind kind) {
        return programs.stream().filter(c -> c.kind() == kind).map(ProgramChange::name).toList();
    }

    public List<String> instanceNames(Kind kind) {
        return instances.stream().filter(c -> c.kind() == kind).map(InstanceChange::name).toList();
    }

    /** True when applying it would touch no process. */
    public boolean isEmpty() {
        return instances.stream().allMatch(c -> c.kind() == Kind.UNCHANGED);
    }

    /** {@code added: a, b; changed: c; …}, for logs; kinds with nothing in them are left out. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        for (Kind k : Kind.values()) {
            List<String> names = instanceNames(k);
            if (!names.isEmpty()) {
                b.append(b.isEmpty() ? "" : "; ").append(k.name().toLowerCase(java.util.Locale.ROOT)).append(": ")
                        .append(String.join(", ", names));
            }
        }
        return b.isEmpty() ? "nothing" : b.toString();
    }
}
