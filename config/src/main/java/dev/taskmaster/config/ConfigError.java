package dev.taskmaster.config;

import java.nio.file.Path;

/**
 * One problem found in a configuration, located to where a person must look.
 *
 * @param file    the file it is in
 * @param line    1-based line, 0 when the problem is with the file as a whole
 * @param column  1-based column, 0 when unknown
 * @param keyPath dotted path of the key ({@code programs.web.numprocs}); empty at the top
 * @param message what was found and what is expected
 */
public record ConfigError(Path file, int line, int column, String keyPath, String message) {

    /** {@code file:line:column: key.path: message}, the format compilers use, so editors can jump to it. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder().append(file);
        if (line > 0) {
            b.append(':').append(line);
            if (column > 0) {
                b.append(':').append(column);
            }
        }
        b.append(": ");
        if (!keyPath.isEmpty()) {
            b.append(keyPath).append(": ");
        }
        return b.append(message).toString();
    }
}
