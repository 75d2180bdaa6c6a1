package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One program given as YAML text, as AddProgram and UpdateProgram give it: validated as in a file. */
class SingleProgramTest {

    @TempDir
    Path tmp;

    private ProgramSpec settings(String yaml) throws ConfigException {
        return ConfigLoader.loadProgram("api", yaml, "<request>", tmp, ConfigFiles.ENV);
    }

    private ProgramSpec definition(String yaml) throws ConfigException {
        return ConfigLoader.loadProgramDefinition(yaml, "<AddProgram>", tmp, ConfigFiles.ENV);
    }

    private static List<String> errors(ThrowingLoad load) {
        ConfigException e = catchThrowableOfType(ConfigException.class, load::run);
        assertThat(e).as("expected the program to be rejected").isNotNull();
        return e.errors().stream().map(ConfigError::toString).toList();
    }

    @FunctionalInterface
    interface ThrowingLoad {
        void run() throws ConfigException;
    }

    @Test
    void settingsAreReadLikeInAFile() throws Exception {
        ProgramSpec p = settings("cmd: serve --port ${PORT}\nnumprocs: 2\nworkingdir: srv\n");
        assertThat(p.name()).isEqualTo("api");
        assertThat(p.argv()).containsExactly("serve", "--port", "8080");
        assertThat(p.workingdir()).contains(tmp.resolve("srv"));
    }

    @Test
    void settingsAreValidatedLikeInAFile() {
        Path at = tmp.resolve("<request>");
        assertThat(errors(() -> settings("numprocs: 0\n"))).containsExactly(
                at + ":1:1: programs.api: expected the required key \"cmd\" (the command line to run), found no such key",
                at + ":1:11: programs.api.numprocs: expected an integer from 1 to 10000, found 0");
        assertThat(errors(() -> ConfigLoader.loadProgram("bad name", "cmd: x\n", "<request>", tmp, ConfigFiles.ENV)))
                .containsExactly(at + ":1:1: programs.bad name: invalid program name \"bad name\"; expected letters,"
                        + " digits, '_', '.', '@' and '-', not starting with '.', '@' or '-'");
    }

    @Test
    void noSettingsAtAll() {
        Path at = tmp.resolve("<request>");
        assertThat(errors(() -> settings(""))).containsExactly(
                at + ": programs.api: expected a mapping of program settings, found nothing");
        assertThat(errors(() -> settings("# nothing but a comment\n"))).containsExactly(
                at + ": programs.api: expected a mapping of program settings, found nothing");
        assertThat(errors(() -> settings("~\n"))).containsExactly(
                at + ":1:1: programs.api: expected a mapping of program settings, found nothing");
        assertThat(errors(() -> settings("- cmd: x\n"))).containsExactly(
                at + ":1:1: programs.api: expected a mapping of program settings, found a list");
    }

    @Test
    void aDefinitionNamesTheProgram() throws Exception {
        ProgramSpec p = definition("web:\n  cmd: nginx\n  numprocs: 2\n");
        assertThat(p.name()).isEqualTo("web");
        assertThat(p.instances()).extracting(InstanceSpec::name).containsExactly("web:0", "web:1");
    }

    @Test
    void aDefinitionIsExactlyOneProgram() {
        Path at = tmp.resolve("<AddProgram>");
        assertThat(errors(() -> definition("{}\n"))).containsExactly(
                at + ":1:1: programs: expected exactly one program, found 0");
        assertThat(errors(() -> definition("a:\n  cmd: x\nb:\n  cmd: y\n"))).containsExactly(
                at + ":1:1: programs: expected exactly one program, found 2");
        assertThat(errors(() -> definition(""))).containsExactly(
                at + ": programs: expected a mapping of one program name to its settings, found nothing");
        assertThat(errors(() -> definition("cmd x\n"))).containsExactly(
                at + ":1:1: programs: expected a mapping of one program name to its settings, found \"cmd x\"");
    }

    @Test
    void aDefinitionIsValidatedLikeInAFile() {
        Path at = tmp.resolve("<AddProgram>");
        assertThat(errors(() -> definition("web:\n  cmd: x\n  numprocs: 0\n  colour: red\n"))).containsExactly(
                at + ":3:13: programs.web.numprocs: expected an integer from 1 to 10000, found 0",
                at + ":4:3: programs.web.colour: unknown key \"colour\"; expected one of: "
                        + ValidationErrorsTest.PROGRAM_KEYS);
        assertThat(errors(() -> definition("web: {cmd: x\n"))).containsExactly(
                at + ":2:1: invalid YAML: expected ',' or '}', but got <stream end> (while parsing a flow mapping)");
    }
}
