package dev.taskmaster.server.api;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.ConfigException;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.Limits;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.config.Suggestions;
import dev.taskmaster.server.engine.ConfigChange;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Adds, replaces and removes programs at runtime. A program arrives as YAML (a message is
 * rendered to YAML first) and is validated by the config loader exactly as in a file; the
 * edited configuration is then applied like a reload, with the same diff and restarts. Every
 * edit is one step of the daemon's one path of configuration changes ({@link DaemonControl#change}),
 * so it is computed from the configuration the change before it left, reloads included.
 * Thread-safe.
 */
final class ProgramEditor {

    /**
     * @param applied whether the running configuration changed
     * @param errors  the problems of an invalid program (then nothing changed)
     * @param program the program as validated, defaults filled in
     * @param diff    what changed, or would change with validate_only
     */
    record Edit(boolean applied, List<ConfigError> errors, Optional<ProgramSpec> program, Optional<ConfigDiff> diff) {
    }

    /**
     * A program as a request gives it: a message, or YAML text as under {@code programs:}.
     * Exactly one is set.
     */
    record Definition(Optional<dev.taskmaster.proto.v1.ProgramSpec> spec, String yaml) {

        /**
         * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT when neither is given, or the YAML
         *         is larger than a configuration file may be
         */
        static Definition of(boolean hasSpec, dev.taskmaster.proto.v1.ProgramSpec spec, String yaml) {
            if (hasSpec) {
                return new Definition(Optional.of(spec), "");
            }
            if (yaml.isBlank()) {
                throw Status.INVALID_ARGUMENT.withDescription("give the program as spec or as yaml; neither was given")
                        .asRuntimeException();
            }
            requireWithinLimit("yaml", yaml);
            return new Definition(Optional.empty(), yaml);
        }
    }

    private final DaemonControl control;
    private final Map<String, String> env;

    ProgramEditor(DaemonControl control, Map<String, String> env) {
        this.control = control;
        this.env = Map.copyOf(env);
    }

    /** @param by the API caller who asked, for the events */
    CompletableFuture<Edit> add(Definition definition, boolean validateOnly, String by) {
        return control.change((current, apply) -> edit(current, apply, definition, validateOnly, true, by));
    }

    CompletableFuture<Edit> update(Definition definition, boolean validateOnly, String by) {
        return control.change((current, apply) -> edit(current, apply, definition, validateOnly, false, by));
    }

    CompletableFuture<ConfigDiff> remove(String name, String by) {
        Targets.requireName("name", name);
        return control.change((current, apply) -> {
            requireExisting(current, name);
            List<ProgramSpec> programs = new ArrayList<>(current.programs());
            programs.removeIf(p -> p.name().equals(name));
            List<String> dependents = programs.stream().filter(p -> p.dependsOn().stream().anyMatch(d -> d.program().equals(name)))
                    .map(ProgramSpec::name).toList();
            if (!dependents.isEmpty()) {
                throw Status.FAILED_PRECONDITION.withDescription("cannot remove " + Targets.quote(name) + ": "
                        + String.join(", ", dependents) + (dependents.size() == 1 ? " depends" : " depend") + " on it (depends_on);"
                        + " remove or update " + (dependents.size() == 1 ? "it" : "them") + " first").asRuntimeException();
            }
            return apply.apply(with(current, programs), ConfigChange.removed(name, by));
        });
    }

    private CompletableFuture<Edit> edit(Config current, DaemonControl.Apply apply, Definition definition,
            boolean validateOnly, boolean adding, String by) {
        ProgramSpec program;
        try {
            program = load(current, definition, adding);
        } catch (ConfigException e) {
            return CompletableFuture.completedFuture(new Edit(false, e.errors(), Optional.empty(), Optional.empty()));
        }
        boolean exists = current.program(program.name()).isPresent();
        if (adding && exists) {
            throw Status.ALREADY_EXISTS.withDescription("program " + Targets.quote(program.name())
                    + " already exists; update it, or remove it first").asRuntimeException();
        }
        if (!adding) {
            requireExisting(current, program.name());
        }
        List<ProgramSpec> programs = new ArrayList<>(current.programs());
        if (adding) {
            programs.add(program);
        } else {
            programs.replaceAll(p -> p.name().equals(program.name()) ? program : p);
        }
        Optional<ConfigError> clash = clash(programs, program);
        if (clash.isPresent()) {
            return CompletableFuture.completedFuture(new Edit(false, List.of(clash.get()), Optional.empty(), Optional.empty()));
        }
        // depends_on is checked against the other programs as the loader checks a file: names, health checks, cycles.
        List<ConfigError> dependencyErrors = dev.taskmaster.config.DependencyCheck.problems(programs).stream()
                .map(p -> new ConfigError(ProgramSpecs.REQUEST, 0, 0, p.keyPath(), p.message())).toList();
        if (!dependencyErrors.isEmpty()) {
            return CompletableFuture.completedFuture(new Edit(false, dependencyErrors, Optional.empty(), Optional.empty()));
        }
        Config next = with(current, programs);
        if (validateOnly) {
            return CompletableFuture.completedFuture(new Edit(false, List.of(), Optional.of(program),
                    Optional.of(ConfigDiff.between(current, next))));
        }
        ConfigChange change = adding ? ConfigChange.added(program, by) : ConfigChange.updated(program, by);
        return apply.apply(next, change).thenApply(diff -> new Edit(true, List.of(), Optional.of(program), Optional.of(diff)));
    }

    /**
     * The program of {@code definition}, validated by the config loader as in a file; its
     * problems are said to be in {@code "<request>"} (the contract's ConfigError.file), at the
     * line and column of the YAML given, or at none for a message (its YAML is ours).
     */
    private ProgramSpec load(Config current, Definition definition, boolean adding) throws ConfigException {
        Path base = current.source().getParent();
        Path pseudo = base.toAbsolutePath().normalize().resolve(ProgramSpecs.REQUEST.toString());
        try {
            if (definition.spec().isEmpty()) {
                return ConfigLoader.loadProgramDefinition(definition.yaml(), ProgramSpecs.REQUEST.toString(), base, env);
            }
            dev.taskmaster.proto.v1.ProgramSpec spec = definition.spec().get();
            if (spec.getName().isEmpty()) {
                throw new ConfigException(List.of(new ConfigError(ProgramSpecs.REQUEST, 0, 0, "programs",
                        "expected the program's name in spec.name, found an empty string")));
            }
            Optional<ProgramSpec> keep = adding ? Optional.empty() : current.program(spec.getName());
            ProgramSpecs.Rendered rendered = ProgramSpecs.toYaml(spec, keep);
            requireWithinLimit("spec", rendered.yaml());
            if (!rendered.errors().isEmpty()) {
                throw new ConfigException(rendered.errors());
            }
            try {
                return ConfigLoader.loadProgram(rendered.name(), rendered.yaml(), ProgramSpecs.REQUEST.toString(), base, env);
            } catch (ConfigException e) {
                throw new ConfigException(e.errors().stream().map(x -> new ConfigError(x.file(), 0, 0, x.keyPath(),
                        x.message())).toList());
            }
        } catch (ConfigException e) {
            throw new ConfigException(e.errors().stream().map(x -> x.file().equals(pseudo)
                    ? new ConfigError(ProgramSpecs.REQUEST, x.line(), x.column(), x.keyPath(), x.message()) : x).toList());
        }
    }

    /**
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT when the text is larger than one
     *         configuration file may be: the loader's cost grows with it, and every other change
     *         of the configuration waits behind this one
     */
    private static void requireWithinLimit(String field, String yaml) {
        long bytes = Limits.utf8Bytes(yaml);
        if (bytes > Limits.FILE_BYTES) {
            throw Status.INVALID_ARGUMENT.withDescription(field + ": the program is " + bytes + " bytes of YAML, more than"
                    + " the limit of " + Limits.bytes(Limits.FILE_BYTES) + " for one configuration file").asRuntimeException();
        }
    }


    /** An instance name {@code program} would share with another program: a validation problem, as in a file. */
    private static Optional<ConfigError> clash(List<ProgramSpec> programs, ProgramSpec program) {
        Map<String, String> owner = new HashMap<>();
        for (ProgramSpec p : programs) {
            if (p != program) {
                p.instances().forEach(i -> owner.put(i.name(), p.name()));
            }
        }
        for (InstanceSpec i : program.instances()) {
            String other = owner.get(i.name());
            if (other != null) {
                return Optional.of(new ConfigError(ProgramSpecs.REQUEST, 0, 0, "programs." + program.name() + ".process_name",
                        "instance name \"" + i.name() + "\" is also made by program \"" + other
                                + "\"; give one of them a different process_name"));
            }
        }
        return Optional.empty();
    }

    private static void requireExisting(Config current, String name) {
        if (current.program(name).isEmpty()) {
            throw Status.NOT_FOUND.withDescription("no program named " + Targets.quote(name)
                    + Suggestions.closest(name, current.programs().stream().map(ProgramSpec::name).toList())
                            .map(n -> "; did you mean \"" + n + "\"?").orElse("")).asRuntimeException();
        }
    }

    private static Config with(Config current, List<ProgramSpec> programs) {
        return new Config(current.source(), current.files(), current.server(), programs, current.notifyRules());
    }
}
