package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code depends_on}: its forms, and where each mistake (alone or across programs) is reported. */
class DependsOnConfigTest {

    @TempDir
    Path tmp;
    ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(tmp);
    }

    private List<Dependency> dependsOn(String program, String yaml) {
        return files.load(yaml).program(program).orElseThrow().dependsOn();
    }

    private static Dependency dep(String program, DependencyCondition c) {
        return new Dependency(program, c);
    }

    @Test
    void noneByDefault() {
        assertThat(files.program("programs:\n  a:\n    cmd: x\n").dependsOn()).isEmpty();
    }

    @Test
    void aMappingOfConditionsInTheOrderWritten() {
        assertThat(dependsOn("web", """
                programs:
                  db: {cmd: x, health_check: {tcp: "127.0.0.1:5432"}}
                  migrate: {cmd: x}
                  cache: {cmd: x}
                  log: {cmd: x}
                  web:
                    cmd: x
                    depends_on: {db: healthy, migrate: completed_successfully, cache: running, log: started}
                """)).containsExactly(dep("db", DependencyCondition.HEALTHY), dep("migrate", DependencyCondition.COMPLETED_SUCCESSFULLY),
                dep("cache", DependencyCondition.RUNNING), dep("log", DependencyCondition.STARTED));
    }

    @Test
    void composeFormsAreReadToo() {
        // A list of names means started, as in a compose file; so does a name with no condition.
        assertThat(dependsOn("web", "programs:\n  db: {cmd: x}\n  cache: {cmd: x}\n  web: {cmd: x, depends_on: [db, cache]}\n"))
                .containsExactly(dep("db", DependencyCondition.STARTED), dep("cache", DependencyCondition.STARTED));
        assertThat(dependsOn("web", """
                programs:
                  db: {cmd: x, health_check: {tcp: "127.0.0.1:5432"}}
                  migrate: {cmd: x}
                  cache: {cmd: x}
                  web:
                    cmd: x
                    depends_on:
                      db: {condition: service_healthy}
                      migrate:
                        condition: SERVICE_COMPLETED_SUCCESSFULLY
                      cache:
                """)).containsExactly(dep("db", DependencyCondition.HEALTHY),
                dep("migrate", DependencyCondition.COMPLETED_SUCCESSFULLY), dep("cache", DependencyCondition.STARTED));
    }

    @Test
    void aWrongConditionOrShapeIsReportedWhereItIsWritten() {
        assertThat(files.error("programs:\n  db: {cmd: x}\n  web:\n    cmd: x\n    depends_on: {db: up}\n"))
                .isEqualTo("5:22: programs.web.depends_on.db: expected started, running, healthy or completed_successfully,"
                        + " found \"up\"");
        assertThat(files.error("programs:\n  db: {cmd: x}\n  web:\n    cmd: x\n    depends_on: db\n"))
                .isEqualTo("5:17: programs.web.depends_on: expected a mapping of program names to conditions (started, running,"
                        + " healthy or completed_successfully) or a list of program names, found \"db\"");
        assertThat(files.error("programs:\n  db: {cmd: x}\n  web:\n    cmd: x\n    depends_on: [db, db]\n"))
                .isEqualTo("5:22: programs.web.depends_on[1]: \"db\" is listed twice (first at line 5)");
        assertThat(files.error("programs:\n  web:\n    cmd: x\n    depends_on: [web]\n"))
                .isEqualTo("4:18: programs.web.depends_on[0]: a program cannot depend on itself (\"web\")");
        assertThat(files.error("programs:\n  db: {cmd: x}\n  web:\n    cmd: x\n    depends_on: {db: {condition: up}}\n"))
                .startsWith("5:34: programs.web.depends_on.db.condition: expected started");
        assertThat(files.error("programs:\n  db: {cmd: x}\n  web:\n    cmd: x\n    depends_on: {db: {restart: true}}\n"))
                .isEqualTo("5:32: programs.web.depends_on.db.restart: compose's \"restart\" is not supported: a dependency"
                        + " is always required, and a dependent is not restarted with it; leave it out");
    }

    @Test
    void anUnknownProgramIsReportedAtItsEntryWithASuggestion() {
        assertThat(files.error("""
                programs:
                  database: {cmd: x}
                  web:
                    cmd: x
                    depends_on:
                      databse: running
                """)).isEqualTo("6:7: programs.web.depends_on.databse: unknown program \"databse\"; expected the name of a"
                + " program of this configuration; did you mean \"database\"?");
    }

    @Test
    void healthyNeedsAHealthCheck() {
        assertThat(files.error("programs:\n  db: {cmd: x}\n  web:\n    cmd: x\n    depends_on: {db: healthy}\n"))
                .isEqualTo("5:18: programs.web.depends_on.db: \"db\" has no health_check, so it can never be healthy;"
                        + " give it one, or wait for it to be running");
    }

    @Test
    void aCycleIsReportedOnceAtTheEntryThatClosesItAndNamed() {
        assertThat(files.error("""
                programs:
                  a:
                    cmd: x
                    depends_on: [b]
                  b:
                    cmd: x
                    depends_on: {c: running}
                  c:
                    cmd: x
                    depends_on:
                      a: started
                  d:
                    cmd: x
                    depends_on: [a]
                """)).isEqualTo("11:7: programs.c.depends_on.a: dependency cycle a -> b -> c -> a; none of them could ever"
                + " start: remove one of these depends_on entries");
        assertThat(files.error("programs:\n  a: {cmd: x, depends_on: [b]}\n  b: {cmd: x, depends_on: [a]}\n"))
                .isEqualTo("3:28: programs.b.depends_on.a: dependency cycle a -> b -> a; none of them could ever start:"
                        + " remove one of these depends_on entries");
    }

    @Test
    void anEntryInAnIncludedFileIsLocatedInThatFile() {
        files.write("conf.d/web.yaml", "programs:\n  web:\n    cmd: x\n    depends_on: {dbb: running}\n");
        List<ConfigError> errors = files.errors("programs:\n  db: {cmd: x}\ninclude: conf.d/*.yaml\n");
        assertThat(errors).hasSize(1);
        assertThat(errors.getFirst().file()).isEqualTo(tmp.resolve("conf.d/web.yaml"));
        assertThat(ConfigFiles.located(errors.getFirst())).startsWith("4:18: programs.web.depends_on.dbb: unknown program");
    }

    @Test
    void theCheckWorksOnProgramsAloneForTheApi() {
        ProgramSpec db = files.program("programs:\n  db: {cmd: x}\n");
        Config both = files.load("programs:\n  db: {cmd: x}\n  web: {cmd: x, depends_on: {db: running}}\n");
        assertThat(DependencyCheck.problems(both.programs())).isEmpty();
        ProgramSpec web = both.program("web").orElseThrow();
        assertThat(DependencyCheck.problems(List.of(web))).extracting(DependencyCheck.Problem::keyPath)
                .containsExactly("programs.web.depends_on.db");
        assertThat(DependencyCheck.problems(List.of(db, web))).isEmpty();
    }
}
