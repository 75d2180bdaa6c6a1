package dev.taskmaster.config;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A configuration was rejected; {@link #errors()} holds every problem found, in file order,
 * and {@link #server()} the server settings when they were read without error, so that the
 * daemon can still say where it would have logged.
 */
public final class ConfigException extends Exception {

    private final transient List<ConfigError> errors;
    private final transient Optional<ServerSpec> server;

    public ConfigException(List<ConfigError> errors) {
        this(errors, Optional.empty());
    }

    public ConfigException(List<ConfigError> errors, Optional<ServerSpec> server) {
        super(errors.size() + (errors.size() == 1 ? " error" : " errors") + " in configuration:\n"
                + errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
        this.server = server;
    }

    public List<ConfigError> errors() {
        return errors;
    }

    /** The main file's server settings (the defaults if it has none), unless they are in error or it could not be read. */
    public Optional<ServerSpec> server() {
        return server;
    }
}
