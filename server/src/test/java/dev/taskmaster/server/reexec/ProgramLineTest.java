package dev.taskmaster.server.reexec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line a re-exec runs: this one, without a previous handover or --fresh, with the new handover. */
class ProgramLineTest {

    @Test
    void aReexecDropsThePreviousHandoverAndFreshAndAddsItsOwn() {
        List<String> before = List.of("/jdk/bin/java", "-XX:AOTCache=/x/taskmasterd.jar.aot", "-jar", "/x/taskmasterd.jar",
                "--allow-root", "--fresh", "-c", "t.yaml", "--reexec-handover=7", "--reexec-handover", "8");
        ProgramLine line = new ProgramLine(Path.of("/jdk/bin/java"), ProgramLine.withoutHandover(before));
        assertThat(line.withHandover(12)).containsExactly("/jdk/bin/java", "-XX:AOTCache=/x/taskmasterd.jar.aot", "-jar",
                "/x/taskmasterd.jar", "--allow-root", "-c", "t.yaml", "--reexec-handover=12");
        assertThat(line.jar()).contains(Path.of("/x/taskmasterd.jar"));
    }

    @Test
    void aJarThatIsGoneIsSaidBeforeAnythingStops() {
        ProgramLine line = new ProgramLine(Path.of("/bin/sh"), List.of("java", "-jar", "/nonexistent/taskmasterd.jar"));
        assertThat(line.unusable()).contains("the jar /nonexistent/taskmasterd.jar is not readable by this user");
        assertThat(new ProgramLine(Path.of("/nonexistent/java"), List.of("java", "-jar", "/bin/sh")).unusable())
                .contains("the java binary /nonexistent/java is not executable by this user any more");
    }

    @Test
    void thisJvmsOwnLineIsRead() throws Exception {
        ProgramLine line = ProgramLine.current();
        assertThat(line.executable().getFileName().toString()).isEqualTo("java");
        assertThat(line.arguments()).isNotEmpty();
    }
}
