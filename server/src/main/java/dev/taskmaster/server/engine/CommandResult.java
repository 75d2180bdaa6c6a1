package dev.taskmaster.server.engine;

/**
 * What a command did to one process.
 *
 * @param process the instance name
 * @param kind    whether it acted, had nothing to do, or could not
 * @param message one line for a person: {@code stopping (pid 12)}, {@code not running}
 */
public record CommandResult(String process, Kind kind, String message) {

    public enum Kind {
        /** The command took effect. */
        DONE,
        /** The process was already in the requested condition. */
        ALREADY,
        /** The command cannot apply in the current state. */
        REFUSED
    }

    static CommandResult done(String process, String message) {
        return new CommandResult(process, Kind.DONE, message);
    }

    static CommandResult already(String process, String message) {
        return new CommandResult(process, Kind.ALREADY, message);
    }

    static CommandResult refused(String process, String message) {
        return new CommandResult(process, Kind.REFUSED, message);
    }
}
