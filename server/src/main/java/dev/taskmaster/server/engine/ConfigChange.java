package dev.taskmaster.server.engine;

import dev.taskmaster.config.ProgramSpec;
import java.util.Optional;

/**
 * Why a new configuration is applied, and at whose request: a reload of the file, or one
 * program added, updated or removed through the API. Immutable.
 *
 * @param kind        what happened
 * @param program     the program added or updated (its settings), or removed (its name only);
 *                    empty for a reload
 * @param programName the name of that program; empty for a reload
 * @param requestedBy the API caller who asked; empty when the daemon itself did (SIGHUP)
 */
public record ConfigChange(Kind kind, Optional<ProgramSpec> program, String programName, String requestedBy) {

    /** What changed the configuration. */
    public enum Kind { RELOAD, PROGRAM_ADDED, PROGRAM_UPDATED, PROGRAM_REMOVED }

    /** A reload of the configuration file. */
    public static ConfigChange reload(String requestedBy) {
        return new ConfigChange(Kind.RELOAD, Optional.empty(), "", requestedBy);
    }

    public static ConfigChange added(ProgramSpec program, String requestedBy) {
        return new ConfigChange(Kind.PROGRAM_ADDED, Optional.of(program), program.name(), requestedBy);
    }

    public static ConfigChange updated(ProgramSpec program, String requestedBy) {
        return new ConfigChange(Kind.PROGRAM_UPDATED, Optional.of(program), program.name(), requestedBy);
    }

    public static ConfigChange removed(String name, String requestedBy) {
        return new ConfigChange(Kind.PROGRAM_REMOVED, Optional.empty(), name, requestedBy);
    }
}
