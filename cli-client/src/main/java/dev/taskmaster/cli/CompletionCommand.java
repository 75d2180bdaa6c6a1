package dev.taskmaster.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code taskmasterctl completion bash|zsh|fish}: prints the completion script for a shell. The
 * scripts are small and fixed; they ask {@code taskmasterctl __complete} ({@link Complete}) for
 * every candidate, so a script never goes stale when verbs or options change.
 */
@Command(name = "completion", description = {"Print the completion script for bash, zsh or fish.",
        "bash: source <(taskmasterctl completion bash); zsh: source <(taskmasterctl completion zsh);"
                + " fish: taskmasterctl completion fish | source. Installed packages put them in place already."})
final class CompletionCommand extends Verb {

    /** The shells a script exists for. */
    enum Shell { bash, zsh, fish }

    @Parameters(index = "0", paramLabel = "SHELL", description = "bash, zsh or fish.")
    Shell shell;

    @Override
    public Integer call() {
        out().print(script(shell));
        out().flush();
        return ExitCodes.OK;
    }

    /** The script for {@code shell}, as shipped in the distribution. */
    static String script(Shell shell) {
        String name = "completion/taskmasterctl." + shell.name();
        try (InputStream in = CompletionCommand.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code generate-completion}, as picocli named it: the bash script (hidden; {@code completion bash} is the verb). */
    @Command(name = "generate-completion", hidden = true, description = "The bash completion script (same as 'completion bash').")
    static final class Legacy implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(script(Shell.bash));
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }
}
