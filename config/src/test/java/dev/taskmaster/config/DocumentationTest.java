package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps docs/configuration.md honest: every key has a row in its tables, and every complete
 * example in it loads (or, when marked {@code # invalid}, is rejected).
 */
class DocumentationTest {

    /** Maven runs tests from the module directory. */
    static final Path DOC = Path.of("../docs/configuration.md");
    static final Map<String, String> ENV = Map.of("HOME", "/home/u", "USER", "u");
    static final String INVALID = "# invalid";

    @TempDir
    Path tmp;

    /** A fenced {@code ```yaml} block: the line its first content line is on, and its lines. */
    record Block(int line, List<String> lines) {
        String first() {
            return lines.isEmpty() ? "" : lines.getFirst();
        }

        String text() {
            return String.join("\n", lines) + "\n";
        }

        boolean isExample() {
            return first().equals("programs:") || first().equals("server:");
        }

        boolean isInvalid() {
            return first().startsWith(INVALID);
        }
    }

    static List<String> docLines() throws IOException {
        return Files.readAllLines(DOC);
    }

    static List<Block> yamlBlocks() throws IOException {
        List<String> doc = docLines();
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < doc.size(); i++) {
            if (!doc.get(i).strip().equals("```yaml")) {
                continue;
            }
            int start = i + 1;
            int end = start;
            while (end < doc.size() && !doc.get(end).strip().equals("```")) {
                end++;
            }
            assertThat(end).as("```yaml block at line %d is closed", i + 1).isLessThan(doc.size());
            blocks.add(new Block(start + 1, List.copyOf(doc.subList(start, end))));
            i = end;
        }
        return blocks;
    }

    @Test
    void everyProgramKeyHasATableRow() throws IOException {
        assertThat(missingRows(ProgramParser.KEYS)).as("program keys without a \"| `key`\" row").isEmpty();
    }

    @Test
    void everyServerKeyHasATableRow() throws IOException {
        assertThat(missingRows(ServerParser.KEYS)).as("server keys without a \"| `key`\" row").isEmpty();
    }

    @Test
    void everyNotifyKeyHasATableRow() throws IOException {
        assertThat(missingRows(NotifyParser.KEYS)).as("notify rule keys without a \"| `key`\" row").isEmpty();
        assertThat(missingRows(NotifyParser.WEBHOOK_KEYS)).as("webhook keys without a \"| `key`\" row").isEmpty();
        assertThat(missingRows(NotifyParser.EMAIL_KEYS)).as("email keys without a \"| `key`\" row").isEmpty();
    }

    private static List<String> missingRows(java.util.Set<String> keys) throws IOException {
        List<String> doc = docLines();
        return keys.stream().sorted()
                .filter(key -> doc.stream().noneMatch(l -> l.startsWith("| `" + key + "`")))
                .toList();
    }

    @Test
    void theDocumentHasExamplesOfBothKinds() throws IOException {
        List<Block> blocks = yamlBlocks();
        assertThat(blocks.stream().filter(Block::isExample).count()).as("loadable examples").isGreaterThanOrEqualTo(10);
        assertThat(blocks.stream().filter(Block::isInvalid).count()).as("# invalid examples").isGreaterThanOrEqualTo(2);
    }

    @TestFactory
    Stream<DynamicTest> everyExampleLoads() throws IOException {
        return yamlBlocks().stream().filter(b -> b.isExample() && !b.isInvalid())
                .map(b -> DynamicTest.dynamicTest("example at line " + b.line(), () -> {
                    Path file = write(b);
                    try {
                        ConfigLoader.load(file, ENV);
                    } catch (ConfigException e) {
                        throw new AssertionError("docs/configuration.md example at line " + b.line()
                                + " does not load:\n" + e.getMessage(), e);
                    }
                }));
    }

    /** Examples of mistakes must stay mistakes, or the text around them is wrong. */
    @TestFactory
    Stream<DynamicTest> everyInvalidExampleIsRejected() throws IOException {
        return yamlBlocks().stream().filter(Block::isInvalid)
                .map(b -> DynamicTest.dynamicTest("invalid example at line " + b.line(), () -> {
                    Path file = write(b);
                    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file, ENV));
                    assertThat(e).as("docs/configuration.md example at line %d is marked %s but loads", b.line(),
                            INVALID).isNotNull();
                }));
    }

    private Path write(Block b) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("block-" + b.line()));
        return Files.writeString(dir.resolve("taskmaster.yaml"), b.text());
    }
}
