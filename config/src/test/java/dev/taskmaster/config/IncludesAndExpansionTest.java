package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code include:} globs and {@code ${VAR}} expansion. */
class IncludesAndExpansionTest {

    @TempDir
    Path tmp;
    ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(tmp);
    }

    @Test
    void globIncludesAreReadInNameOrderAfterTheMainFilesPrograms() throws Exception {
        files.write("conf.d/20-b.yaml", "programs:\n  b:\n    cmd: y\n");
        files.write("conf.d/10-a.yaml", "programs:\n  a:\n    cmd: x\n");
        files.write("conf.d/notes.txt", "not yaml: [");
        Path main = files.write("main.yaml", "include: conf.d/*.yaml\nprograms:\n  main:\n    cmd: z\n");
        Config c = ConfigLoader.load(main, ConfigFiles.ENV);
        assertThat(c.programs()).extracting(ProgramSpec::name).containsExactly("main", "a", "b");
        assertThat(c.files()).containsExactly(main, tmp.resolve("conf.d/10-a.yaml"), tmp.resolve("conf.d/20-b.yaml"));
        assertThat(c.source()).isEqualTo(main);
    }

    @Test
    void includeTakesAListAndNestsAndPathsAreRelativeToTheIncludingFile() throws Exception {
        files.write("a/one.yaml", "include: [../b/two.yaml]\nprograms:\n  one:\n    cmd: x\n    workingdir: data\n");
        files.write("b/two.yaml", "programs:\n  two:\n    cmd: y\n    stdout: two.log\n");
        Path main = files.write("main.yaml", "include:\n  - a/one.yaml\n  - nothing/*.yaml\n");
        Config c = ConfigLoader.load(main, ConfigFiles.ENV);
        assertThat(c.programs()).extracting(ProgramSpec::name).containsExactly("one", "two");
        assertThat(c.program("one").orElseThrow().workingdir()).contains(tmp.resolve("a/data"));
        assertThat(c.program("two").orElseThrow().stdout())
                .isEqualTo(new OutputSpec.Capture(java.util.Optional.of(tmp.resolve("b/two.log"))));
    }

    @Test
    void includeCycleIsAnError() {
        Path a = files.write("a.yaml", "include: b.yaml\nprograms:\n  a:\n    cmd: x\n");
        files.write("b.yaml", "include: a.yaml\n");
        assertThat(files.errorsOf(a)).extracting(ConfigError::toString).containsExactly(
                tmp.resolve("b.yaml") + ":1:10: include: include cycle: " + a + " -> " + tmp.resolve("b.yaml")
                        + " -> " + a);
        Path self = files.write("self.yaml", "include: [self.yaml]\n");
        assertThat(files.errorsOf(self)).extracting(ConfigError::toString).containsExactly(
                self + ":1:11: include[0]: include cycle: " + self + " -> " + self);
    }

    @Test
    void aFileIncludedTwiceIsAnError() {
        files.write("x.yaml", "programs:\n  x:\n    cmd: x\n");
        Path main = files.write("main.yaml", "include: [x.yaml, ./x.yaml]\n");
        assertThat(files.errorsOf(main)).extracting(ConfigError::toString).containsExactly(
                main + ":1:19: include[1]: file " + tmp.resolve("x.yaml") + " is already included; include each file once");
    }

    @Test
    void missingIncludedFileAndWildcardDirectories() {
        Path main = files.write("main.yaml", "include: [missing.yaml, \"*/x.yaml\"]\n");
        assertThat(files.errorsOf(main)).extracting(ConfigFiles::located).containsExactly(
                "1:11: include[0]: included file " + tmp.resolve("missing.yaml") + " does not exist",
                "1:25: include[1]: wildcards are allowed only in the file name, not in the directory: "
                        + tmp.resolve("*/x.yaml"));
    }

    @Test
    void aGlobInAFileInsteadOfADirectoryCannotBeListed() {
        files.write("conf.d", "not a directory\n");
        Path main = files.write("main.yaml", "programs: {}\ninclude: conf.d/*.yaml\n");
        assertThat(files.errorsOf(main)).extracting(ConfigFiles::located).containsExactly(
                "2:10: include: cannot list " + tmp.resolve("conf.d") + ": not a directory");
    }

    /**
     * A file that exists but cannot be resolved to its real path: one deleted while still open,
     * seen through /proc/self/fd. In real use this is a file removed between the glob and the read;
     * permissions cannot cause it, since the tests run as root.
     */
    @Test
    void anIncludedFileThatVanishesCannotBeRead() throws Exception {
        Path doomed = files.write("doomed.yaml", "programs: {}\n");
        try (FileChannel open = FileChannel.open(doomed)) {
            Files.delete(doomed);
            Path fd = openDescriptorOf(doomed);
            Path main = files.write("main.yaml", "include: " + fd + "\n");
            assertThat(files.errorsOf(main)).extracting(ConfigFiles::located).containsExactly(
                    "1:10: include: cannot read included file " + fd + ": no such file");
        }
    }

    private static Path openDescriptorOf(Path deleted) throws IOException {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(deleted + " (deleted)")) {
                        return fd;
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor of the listing itself, or one another thread closed
                }
            }
        }
        throw new AssertionError("no descriptor open on " + deleted);
    }

    @Test
    void duplicateProgramAcrossFilesNamesBothPlaces() {
        files.write("extra.yaml", "programs:\n  # again\n  web:\n    cmd: y\n");
        Path main = files.write("main.yaml", "include: extra.yaml\nprograms:\n  web:\n    cmd: x\n");
        assertThat(files.errorsOf(main)).extracting(ConfigError::toString).containsExactly(
                tmp.resolve("extra.yaml") + ":3:3: programs.web: program \"web\" is already defined at " + main + ":3:3");
    }

    @Test
    void serverSectionOnlyInTheMainFile() {
        files.write("extra.yaml", "server:\n  loglevel: debug\n");
        Path main = files.write("main.yaml", "include: extra.yaml\n");
        assertThat(files.errorsOf(main)).extracting(ConfigError::toString).containsExactly(
                tmp.resolve("extra.yaml") + ":2:3: server: server settings may only be in the main file (" + main
                        + "), not in an included file");
    }

    @Test
    void errorsInIncludedFilesAreLocatedInThoseFiles() {
        files.write("bad.yaml", "programs:\n  b:\n    cmd: x\n    numprocs: none\n");
        Path main = files.write("main.yaml", "include: bad.yaml\nprograms:\n  a:\n    cmd: x\n    stoptime: -3\n");
        assertThat(files.errorsOf(main)).extracting(ConfigError::file, ConfigError::line).containsExactly(
                org.assertj.core.groups.Tuple.tuple(main, 5), org.assertj.core.groups.Tuple.tuple(tmp.resolve("bad.yaml"), 4));
    }

    @Test
    void variablesExpandInCmdEnvAndPaths() {
        ProgramSpec p = files.program("""
                programs:
                  a:
                    cmd: "server --port ${PORT} --name ${NAME:-anon} --home=${HOME}"
                    env: {GREETING: "hi ${USER}", LITERAL: "$$HOME", SHELLVAR: "$HOME"}
                    workingdir: "${HOME}/app"
                    stdout: "${LOGS:-/var/log}/a.log"
                """);
        assertThat(p.argv()).containsExactly("server", "--port", "8080", "--name", "anon", "--home=/home/tester");
        assertThat(p.env()).containsExactly(Map.entry("GREETING", "hi tester"), Map.entry("LITERAL", "$HOME"),
                Map.entry("SHELLVAR", "$HOME"));
        assertThat(p.workingdir()).contains(Path.of("/home/tester/app"));
        assertThat(p.stdout()).isEqualTo(new OutputSpec.Capture(java.util.Optional.of(Path.of("/var/log/a.log"))));
    }

    @Test
    void anEmptyVariableTakesTheDefaultLikeAShell() {
        assertThat(files.program("programs:\n  a:\n    cmd: \"echo ${EMPTY:-fallback}\"\n").argv())
                .containsExactly("echo", "fallback");
        assertThat(files.program("programs:\n  a:\n    cmd: \"echo x${EMPTY}y\"\n").argv()).containsExactly("echo", "xy");
    }

    @Test
    void expansionHappensBeforeSplittingSoQuotesKeepValuesWhole() {
        ProgramSpec p = files.program("programs:\n  a:\n    cmd: \"ls '${HOME}/My Files' ${HOME}\"\n");
        assertThat(p.argv()).containsExactly("ls", "/home/tester/My Files", "/home/tester");
    }

    @Test
    void variablesExpandInIncludesAndServerPaths() throws Exception {
        files.write("conf.d/a.yaml", "programs:\n  a:\n    cmd: x\n");
        Path main = files.write("main.yaml", "server:\n  socket: \"${HOME}/tm.sock\"\ninclude: \"${CONF:-conf.d}/*.yaml\"\n");
        Config c = ConfigLoader.load(main, ConfigFiles.ENV);
        assertThat(c.server().socket()).contains(Path.of("/home/tester/tm.sock"));
        assertThat(c.programs()).extracting(ProgramSpec::name).containsExactly("a");
    }

    @Test
    void unsetVariablesAndBadReferencesAreErrors() {
        assertThat(files.errors("""
                programs:
                  a:
                    cmd: "run ${NOPE}"
                    env: {X: "${1BAD}"}
                    workingdir: "${HOME"
                """)).extracting(ConfigFiles::located).containsExactly(
                "3:10: programs.a.cmd: environment variable \"NOPE\" is not set; set it or write ${NOPE:-default}",
                "4:14: programs.a.env.X: invalid variable reference \"${1BAD}\"; expected ${NAME} or ${NAME:-default}",
                "5:17: programs.a.workingdir: unterminated \"${\" in \"${HOME\"; expected ${NAME} or ${NAME:-default}");
    }

    @Test
    void nestedDefaultsAreRejectedWhetherOrNotTheVariableIsSet() {
        for (String var : new String[] {"NOPE", "PORT"}) {
            assertThat(files.error("programs:\n  a:\n    cmd: \"run ${" + var + ":-${HOME}}\"\n")).isEqualTo(
                    "3:10: programs.a.cmd: nested \"${\" in the default of \"${" + var
                            + ":-…}\" is not supported; use a literal default");
        }
    }

    @Test
    void outputKeywordsAnyCaseAndAfterExpansion() {
        ProgramSpec p = files.program("programs:\n  a:\n    cmd: x\n    stdout: None\n    stderr: \"${ERR:-Capture}\"\n");
        assertThat(p.stdout()).isEqualTo(OutputSpec.Discard.INSTANCE);
        assertThat(p.stderr()).isEqualTo(OutputSpec.Capture.DEFAULT);
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    stdout: \"${OUT:-none}\"\n").stdout())
                .isEqualTo(OutputSpec.Discard.INSTANCE);
        assertThat(files.program("programs:\n  a:\n    cmd: x\n    stdout: AUTO\n").stdout()).isEqualTo(OutputSpec.Capture.DEFAULT);
    }

    @Test
    void tildeNeedsHome() throws Exception {
        Path main = files.write("main.yaml", "programs:\n  a:\n    cmd: x\n    workingdir: ~/x\n");
        ConfigException e = org.assertj.core.api.Assertions.catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.load(main, Map.of()));
        assertThat(e.errors()).extracting(ConfigFiles::located)
                .containsExactly("4:17: programs.a.workingdir: cannot expand \"~\": HOME is not set");
    }
}
