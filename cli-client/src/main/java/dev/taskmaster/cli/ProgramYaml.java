package dev.taskmaster.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * The {@code -f FILE} of add and update: YAML sent to the daemon as-is, which validates it
 * exactly like the config file. Without NAME the file is what would appear under
 * {@code programs:} ({@code web:\n  cmd: …}); with NAME it holds only the program's keys and is
 * nested under NAME here.
 */
final class ProgramYaml {

    private ProgramYaml() {}

    /** Reads {@code file} ("-" = stdin) and nests it under {@code name} when one is given. */
    static String read(String file, String name, InputStream stdin) {
        String text;
        try {
            text = file.equals("-") ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new CtlException(ExitCodes.USAGE, "-f " + file + ": no such file");
        } catch (IOException e) {
            throw new CtlException(ExitCodes.USAGE, "-f " + file + ": cannot read: " + e.getMessage());
        }
        if (text.isBlank()) {
            throw new CtlException(ExitCodes.USAGE, "-f " + file + ": the file is empty");
        }
        return name == null ? text : nest(name, text);
    }

    static String nest(String name, String body) {
        String indented = body.lines()
                .filter(line -> !line.strip().equals("---"))
                .map(line -> line.isBlank() ? "" : "  " + line)
                .collect(Collectors.joining("\n"));
        return name + ":\n" + indented + "\n";
    }
}
