package dev.taskmaster.server.api;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.ConfigException;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.config.Suggestions;
import dev.taskmaster.server.engine.ConfigChange;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Adds, replaces and removes programs at runtime. A program arrives as YAML (a message is
 * rendered to YAML first) and is validated by the config loader exactly as in a file; the
 * edited configuration is then applied like a reload, with the same diff and restarts. Edits
 * run one after another, each on the configuration the previous one left. Thread-safe.
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

    private final Supplier<DaemonInfo> info;
    private final DaemonControl control;
    private final Map<String, String> env;
    private CompletableFuture<?> last = CompletableFuture.completedFuture(null);

    ProgramEditor(Supplier<DaemonInfo> info, DaemonControl control, Map<String, String> env) {
        this.info = info;
        this.control = control;
        this.env = Map.copyOf(env);
    }

    /** @param by the API caller who asked, for the events */
    CompletableFuture<Edit> add(String yaml, boolean validateOnly, String by) {
        return serial(() -> edit(yaml, validateOnly, true, by));
    }

    CompletableFuture<Edit> update(String yaml, boolean validateOnly, String by) {
        return serial(() -> edit(yaml, validateOnly, false, by));
    }

    CompletableFuture<ConfigDiff> remove(String name, String by) {
        return serial(() -> {
            Config current = info.get().config();
            requireExisting(current, name);
            List<ProgramSpec> programs = new ArrayList<>(current.programs());
            programs.removeIf(p -> p.name().equals(name));
            return control.apply(with(current, programs), ConfigChange.removed(name, by));
        });
    }

    private CompletableFuture<Edit> edit(String yaml, boolean validateOnly, boolean adding, String by) {
        Config current = info.get().config();
        ProgramSpec program;
        try {
            program = ConfigLoader.loadProgramDefinition(yaml, adding ? "<AddProgram>" : "<UpdateProgram>",
                    current.source().getParent(), env);
        } catch (ConfigException e) {
            return CompletableFuture.completedFuture(new Edit(false, e.errors(), Optional.empty(), Optional.empty()));
        }
        boolean exists = current.program(program.name()).isPresent();
        if (adding && exists) {
            throw Status.ALREADY_EXISTS.withDescription("program \"" + program.name()
                    + "\" already exists; update it, or remove it first").asRuntimeException();
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
        List<String> clashes = ConfigLoader.clashingInstanceNames(programs);
        if (!clashes.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription("instance name \"" + clashes.getFirst()
                    + "\" would belong to two programs; give \"" + program.name() + "\" another process_name").asRuntimeException();
        }
        Config next = with(current, programs);
        if (validateOnly) {
            return CompletableFuture.completedFuture(new Edit(false, List.of(), Optional.of(program),
                    Optional.of(ConfigDiff.between(current, next))));
        }
        ConfigChange change = adding ? ConfigChange.added(program, by) : ConfigChange.updated(program, by);
        return control.apply(next, change).thenApply(diff -> new Edit(true, List.of(), Optional.of(program), Optional.of(diff)));
    }

    private static void requireExisting(Config current, String name) {
        if (current.program(name).isEmpty()) {
            throw Status.NOT_FOUND.withDescription("no program named \"" + name + "\""
                    + Suggestions.closest(name, current.programs().stream().map(ProgramSpec::name).toList())
                            .map(n -> "; did you mean \"" + n + "\"?").orElse("")).asRuntimeException();
        }
    }

    private static Config with(Config current, List<ProgramSpec> programs) {
        return new Config(current.source(), current.files(), current.server(), programs);
    }

    /** Runs {@code step} after every earlier edit is done, whatever its outcome. */
    private synchronized <T> CompletableFuture<T> serial(Supplier<CompletableFuture<T>> step) {
        CompletableFuture<T> next = last.handle((r, e) -> null).thenCompose(x -> {
            try {
                return step.get();
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        });
        last = next;
        return next;
    }
}
