package dev.taskmaster.client;

import java.util.regex.Pattern;

/**
 * A named daemon target kept in the contexts file, as kubectl and docker keep theirs: where the
 * daemon is and how to authenticate to it. Paths in it are absolute. Immutable.
 */
public record Context(String name, ServerAddress server, ClientSecurity security) {

    /** Same rule as instance names: safe in a file, a prompt and a table. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]*");

    public Context {
        checkName(name);
    }

    /** The target this context names, its settings overridden by those given as flags. */
    public DaemonTarget target(ClientSecurity flags) {
        return new DaemonTarget(server, security.overriddenBy(flags), name);
    }

    /** @throws TargetException (INVALID) if {@code name} cannot name a context */
    public static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.length() > 100) {
            throw new TargetException(TargetException.Kind.INVALID, "invalid context name \"" + name
                    + "\"; expected letters, digits, '_', '.', '@' and '-', not starting with '.', '@' or '-'");
        }
    }
}
