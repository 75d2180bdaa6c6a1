package dev.taskmaster.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A whole, validated configuration. Immutable; safe to share between threads.
 *
 * @param source   the main file it was loaded from (absolute)
 * @param files    every file read: the main one, then the included ones in the order read
 * @param server   the {@code server:} section (defaults when absent)
 * @param programs the programs, in the order they were defined
 * @param notifyRules the {@code notify:} rules, in the order written (none when absent)
 */
public record Config(Path source, List<Path> files, ServerSpec server, List<ProgramSpec> programs,
        List<NotifyRule> notifyRules) {

    public Config {
        files = List.copyOf(files);
        programs = List.copyOf(programs);
        notifyRules = List.copyOf(notifyRules);
    }

    /** A configuration without notification rules. */
    public Config(Path source, List<Path> files, ServerSpec server, List<ProgramSpec> programs) {
        this(source, files, server, programs, List.of());
    }

    /** Every instance of every program, programs in definition order. */
    public List<InstanceSpec> instances() {
        return programs.stream().flatMap(p -> p.instances().stream()).toList();
    }

    public Optional<ProgramSpec> program(String name) {
        return programs.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
