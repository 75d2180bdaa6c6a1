package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The bundled examples in config/examples/ stay valid and mean what their comments say. */
class ExamplesTest {

    /** Maven runs tests from the module directory. */
    static final Path EXAMPLES = Path.of("examples").toAbsolutePath();
    static final Map<String, String> ENV = Map.of("HOME", "/home/tester", "USER", "tester");

    @Test
    void everyTopLevelExampleLoads() throws Exception {
        List<Path> examples;
        try (Stream<Path> s = Files.list(EXAMPLES)) {
            examples = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(examples).extracting(p -> p.getFileName().toString())
                .contains("minimal.yaml", "web.yaml", "failures.yaml", "with-includes.yaml");
        for (Path p : examples) {
            assertThat(ConfigLoader.load(p, ENV).programs()).as(p.toString()).isNotEmpty();
        }
    }

    @Test
    void theWebExampleIsShapedLikeTheDocumentedOne() throws Exception {
        Config c = ConfigLoader.load(EXAMPLES.resolve("web.yaml"), ENV);
        ProgramSpec web = c.program("web").orElseThrow();
        assertThat(web.umask()).contains(0022);
        assertThat(web.exitcodes()).containsExactlyInAnyOrder(0, 2);
        assertThat(web.env()).containsEntry("STARTED_BY", "taskmaster").containsEntry("PORT", "8080");
        assertThat(c.instances()).extracting(InstanceSpec::name).containsExactly("web", "worker:0", "worker:1", "worker:2");
        assertThat(c.program("worker").orElseThrow().env()).containsEntry("WORKER_ID", "tester");
    }

    @Test
    void theFailuresExampleHasACrasherAMissingBinaryAndAChattyProgram() throws Exception {
        Config c = ConfigLoader.load(EXAMPLES.resolve("failures.yaml"), ENV);
        assertThat(c.programs()).extracting(ProgramSpec::name).contains("crasher", "missing", "chatty");
        assertThat(c.program("missing").orElseThrow().argv().getFirst()).isEqualTo("/nonexistent/bin/server");
        assertThat(c.program("segfault").orElseThrow().argv()).containsExactly("sh", "-c", "sleep 1; kill -SEGV $$");
    }

    @Test
    void includesAndMergeKeysInTheIncludeExample() throws Exception {
        Config c = ConfigLoader.load(EXAMPLES.resolve("with-includes.yaml"), ENV);
        assertThat(c.programs()).extracting(ProgramSpec::name).containsExactly("clock", "echo", "pinger");
        assertThat(c.server().instance()).isEqualTo("example");
        assertThat(c.program("clock").orElseThrow().stopsignal()).isEqualTo(Signal.parse("INT").orElseThrow());
        assertThat(c.program("pinger").orElseThrow().group()).isEqualTo("network");
    }
}
