package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Writes YAML into a temporary directory and loads it, for tests. */
final class ConfigFiles {

    static final Map<String, String> ENV = Map.of("HOME", "/home/tester", "USER", "tester", "PORT", "8080",
            "EMPTY", "");

    private final Path dir;

    ConfigFiles(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Path write(String name, String yaml) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            return Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Config load(String yaml) {
        try {
            return ConfigLoader.load(write("taskmaster.yaml", yaml), ENV);
        } catch (ConfigException e) {
            throw new AssertionError("expected the config to load, got: " + e.getMessage(), e);
        }
    }

    ProgramSpec program(String yaml) {
        Config c = load(yaml);
        assertThat(c.programs()).hasSize(1);
        return c.programs().getFirst();
    }

    List<ConfigError> errors(String yaml) {
        return errorsOf(write("taskmaster.yaml", yaml));
    }

    List<ConfigError> errorsOf(Path file) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, ENV));
        assertThat(e).as("expected %s to be rejected", file).isNotNull();
        return e.errors();
    }

    /** The single error of a rejected file, as {@code line:column: key.path: message}. */
    String error(String yaml) {
        List<ConfigError> errors = errors(yaml);
        assertThat(errors).as("errors").hasSize(1);
        return located(errors.getFirst());
    }

    static String located(ConfigError e) {
        return e.line() + ":" + e.column() + ": " + (e.keyPath().isEmpty() ? "" : e.keyPath() + ": ") + e.message();
    }
}
