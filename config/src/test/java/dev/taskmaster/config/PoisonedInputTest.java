package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that are not configuration text at all, or are built to exhaust the reader (issue 11,
 * "poisoned configuration input"): each is refused at once, with the place to look.
 */
class PoisonedInputTest {

    /** Far more than any of these loads needs; a load that blocks or goes quadratic runs into it. */
    static final Duration PROMPTLY = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(tmp);
    }

    List<String> located(Path main) {
        return assertTimeoutPreemptively(PROMPTLY, () -> files.errorsOf(main).stream().map(ConfigError::toString).toList());
    }

    @Test
    void aFifoIsRefusedWithoutOpeningItAsTheMainFileOrAnInclude() throws Exception {
        Path fifo = mkfifo(tmp.resolve("fifo.yaml"));
        assertThat(located(fifo)).containsExactly(fifo + ": cannot read: not a regular file (a FIFO)");
        Path main = files.write("main.yaml", "programs: {a: {cmd: x}}\ninclude:\n  - " + fifo + "\n");
        assertThat(located(main)).containsExactly(main + ":3:5: include[0]: cannot read included file " + fifo
                + ": not a regular file (a FIFO)");
    }

    @Test
    void devicesSocketsAndDirectoriesAreRefusedAtTheIncludeLine() throws Exception {
        Path socket = tmp.resolve("api.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(socket));
            Files.createDirectory(tmp.resolve("dir.yaml"));
            Path main = files.write("main.yaml", """
                    include:
                      - /dev/zero
                      - /dev/urandom
                      - api.sock
                      - dir.yaml
                    """);
            assertThat(located(main)).containsExactly(
                    main + ":2:5: include[0]: cannot read included file /dev/zero: not a regular file (a character device)",
                    main + ":3:5: include[1]: cannot read included file /dev/urandom: not a regular file (a character device)",
                    main + ":4:5: include[2]: cannot read included file " + socket + ": not a regular file (a socket)",
                    main + ":5:5: include[3]: cannot read included file " + tmp.resolve("dir.yaml")
                            + ": it is a directory, not a file");
        }
    }

    @Test
    void tlsFilesAreReadAsCarefullyAsIncludes() throws Exception {
        Path fifo = mkfifo(tmp.resolve("server.crt"));
        Path main = files.write("main.yaml", "server:\n  listen:\n    - address: 127.0.0.1:1\n"
                + "      tls: {cert: server.crt, key: /dev/zero}\n");
        assertThat(located(main)).containsExactly(
                main + ":4:19: server.listen[0].tls.cert: cannot read " + fifo + ": not a regular file (a FIFO)",
                main + ":4:36: server.listen[0].tls.key: cannot read /dev/zero: not a regular file (a character device)");
    }

    /** Root reads any file, so the failure here is one no permission can lift: the kernel's EIO. */
    @Test
    void aFileThatFailsToReadIsReportedAtTheIncludeLineThatNamedIt() {
        Path main = files.write("main.yaml", "programs: {a: {cmd: x}}\ninclude: /proc/self/mem\n");
        assertThat(located(main)).singleElement().asString()
                .startsWith(main + ":2:10: include: cannot read included file /proc/self/mem: ");
    }

    @Test
    void oneLongValueAtTheLimitIsReadWhole() throws Exception {
        String head = "programs:\n  a:\n    cmd: \"";
        String tail = "\"\n";
        int fill = Limits.FILE_BYTES - head.length() - tail.length();
        Path main = Files.writeString(tmp.resolve("long.yaml"), head + "x".repeat(fill) + tail);
        assertThat(Files.size(main)).isEqualTo(Limits.FILE_BYTES);
        // Read whole: the one argument is measured to its last byte (and, being longer than exec
        // allows one argument, refused where it is written: issue 12).
        assertThat(located(main)).containsExactly(main + ":3:10: programs.a.cmd: expected arguments of at most "
                + Limits.EXEC_STRING_BYTES + " bytes each (the kernel's limit, MAX_ARG_STRLEN), found one of " + (fill + 1)
                + " bytes");
        // The same value where no exec limit applies is kept whole.
        Path env = Files.writeString(tmp.resolve("long-anchor.yaml"), "x-long: \"" + "x".repeat(fill - 20) + "\"\n"
                + "programs: {a: {cmd: x}}\n");
        Config config = assertTimeoutPreemptively(PROMPTLY, () -> ConfigLoader.load(env, ConfigFiles.ENV));
        assertThat(config.programs().getFirst().argv()).containsExactly("x");
    }

    @Test
    void oneLongPlainWordAndOneLongCommentLineAreReadWhole() throws Exception {
        String head = "# " + "c".repeat(Limits.FILE_BYTES / 2) + "\nx-word: ";
        String word = "w".repeat(Limits.FILE_BYTES - head.length() - 40);
        Path main = Files.writeString(tmp.resolve("long.yaml"), head + word + "\nprograms: {a: {cmd: x}}\n");
        Config config = assertTimeoutPreemptively(PROMPTLY, () -> ConfigLoader.load(main, ConfigFiles.ENV));
        assertThat(config.programs()).hasSize(1);
    }

    @Test
    void aFileOverTheLimitIsRefusedWhereItCrossesTheLimitCommentsIncluded() throws Exception {
        // Ten MiB in one value: the read stops one byte past the limit, wherever in the file that is.
        String value = "y".repeat(10 << 20);
        Path big = Files.writeString(tmp.resolve("big.yaml"), "programs:\n  a:\n    cmd: \"" + value + "\"\n");
        assertThat(located(big)).containsExactly(big + ":3:" + (Limits.FILE_BYTES - "programs:\n  a:\n".length() + 1)
                + ": the file goes on past 3145728 bytes (3 MiB) here, the limit for one file (it is "
                + Files.size(big) + " bytes)");
        Path commented = Files.writeString(tmp.resolve("commented.yaml"),
                "programs: {a: {cmd: x}}\n" + "# comment\n".repeat(Limits.FILE_BYTES / 10));
        int afterFirstLine = Limits.FILE_BYTES - "programs: {a: {cmd: x}}\n".length();
        assertThat(located(commented)).singleElement().asString()
                .startsWith(commented + ":" + (2 + afterFirstLine / 10) + ":" + (1 + afterFirstLine % 10) + ":")
                .contains("the file goes on past 3145728 bytes (3 MiB) here");
    }

    @Test
    void aFileThatIsNotUtf8IsRefusedAtItsFirstBadByte() throws Exception {
        Path utf16 = Files.write(tmp.resolve("utf16.yaml"), "programs:\n  a: {cmd: x}\n".getBytes(StandardCharsets.UTF_16));
        assertThat(located(utf16)).containsExactly(utf16 + ":1:1: expected UTF-8 text, found UTF-16 text (it starts with"
                + " a UTF-16 byte order mark); convert the file to UTF-8, for example with iconv -f UTF-16 -t UTF-8");
        Path utf16le = Files.write(tmp.resolve("utf16le.yaml"), "programs: {}\n".getBytes(StandardCharsets.UTF_16LE));
        assertThat(located(utf16le)).containsExactly(utf16le + ":1:1: expected UTF-8 text, found UTF-16 text without a"
                + " byte order mark (a NUL byte beside every character); convert the file to UTF-8, for example with"
                + " iconv -f UTF-16 -t UTF-8");
        Path utf32 = Files.write(tmp.resolve("utf32.yaml"), "\uFEFFprograms: {}\n".getBytes(java.nio.charset.Charset.forName("UTF-32BE")));
        assertThat(located(utf32)).singleElement().asString().startsWith(utf32 + ":1:1: expected UTF-8 text, found"
                + " UTF-32 text (it starts with a UTF-32 byte order mark)");
        // Columns count characters, not bytes: "é" and "€" before the bad byte are one column each.
        byte[] prefix = "programs:\r\n  a:\r\n    cmd: é€ ".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = java.util.Arrays.copyOf(prefix, prefix.length + 3);
        bytes[prefix.length] = (byte) 0xC3; // a lead byte followed by ASCII: malformed
        bytes[prefix.length + 1] = 'x';
        bytes[prefix.length + 2] = '\n';
        Path broken = Files.write(tmp.resolve("broken.yaml"), bytes);
        assertThat(located(broken)).containsExactly(broken + ":3:13: expected UTF-8 text, found the byte 0xC3 (byte offset "
                + prefix.length + "), which is not UTF-8; the text before it is UTF-8: fix or remove what is at this place");
        Path binary = Files.write(tmp.resolve("binary.yaml"), new byte[] {'x', ':', ' ', (byte) 0xFF, 1, 2});
        assertThat(located(binary)).containsExactly(binary + ":1:4: expected UTF-8 text, found the byte 0xFF (byte offset 3),"
                + " which is not UTF-8; convert the file to UTF-8");
        Path cp1252 = Files.write(tmp.resolve("cp1252.yaml"), new byte[] {'x', '-', 'a', ':', ' ', (byte) 0x80, '\n'});
        assertThat(located(cp1252)).containsExactly(cp1252 + ":1:6: expected UTF-8 text, found the byte 0x80 (byte offset 5),"
                + " which is not UTF-8; the file looks like Windows-1252, where it is \"€\": convert it to UTF-8, for example"
                + " with iconv -f CP1252 -t UTF-8");
    }

    @Test
    void controlCharactersAreNamedAndLocated() {
        assertThat(files.error("programs:\n  a:\n    cmd: x\0y\n")).isEqualTo("3:11: expected printable text, found the"
                + " control character U+0000 (NUL); YAML allows no control characters but tab and line breaks (in a"
                + " double-quoted string, write it as an escape such as \\x00)");
        assertThat(files.error("programs: {a: {cmd: \"\u001b[31mred\"}}\n")).startsWith("1:22: expected printable text,"
                + " found the control character U+001B (ESC);");
        assertThat(files.error("# \u007f\n")).startsWith("1:3: expected printable text, found the control character U+007F (DEL);");
        assertThat(files.error("x-a: \u0080\n")).startsWith("1:6: expected printable text, found the control character U+0080;");
        assertThat(files.error("x-a: b\uFFFE\n")).startsWith("1:7: expected printable text, found the control character U+FFFE;");
        // Escapes in a double-quoted string are the way to write them, and stay allowed.
        assertThat(files.program("programs: {a: {cmd: x, env: {BELL: \"\\a\\x1b\"}}}\n").env()).containsEntry("BELL", "\u0007\u001b");
    }

    @Test
    void aControlCharacterInAnIncludedFileIsLocatedInThatFile() {
        Path included = files.write("conf.d/a.yaml", "programs:\n  a:\n    cmd: \"\u0007\"\n");
        Path main = files.write("main.yaml", "include: conf.d/*.yaml\n");
        assertThat(located(main)).singleElement().asString().startsWith(included + ":3:11: expected printable text,"
                + " found the control character U+0007 (BEL);");
    }

    @Test
    void textGivenToTheApiIsCheckedTheSameWay() {
        ConfigException e = org.assertj.core.api.Assertions.catchThrowableOfType(ConfigException.class,
                () -> ConfigLoader.loadProgramDefinition("web:\n  cmd: x\u0000\n", "<AddProgram>", tmp, ConfigFiles.ENV));
        assertThat(e.errors()).extracting(ConfigFiles::located).singleElement().asString()
                .startsWith("2:9: expected printable text, found the control character U+0000 (NUL);");
    }

    @Test
    void nestingIsLimitedAndTheLimitIsLocated() {
        assertThat(files.load("x-a: " + "[".repeat(Limits.NESTING - 1) + "]".repeat(Limits.NESTING - 1) + "\n").programs()).isEmpty();
        String deep = "x-a: " + "[".repeat(Limits.NESTING) + "]".repeat(Limits.NESTING) + "\n";
        assertThat(files.error(deep)).isEqualTo("1:" + (6 + Limits.NESTING - 1) + ": more than 50 lists and mappings"
                + " inside one another (the limit of nesting)");
    }

    @Test
    void aliasesOfAliasesStopAtTheAliasThatCrossesTheLimit() {
        StringBuilder laughs = new StringBuilder("x-a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            char p = (char) (c - 1);
            laughs.append("x-").append(c).append(": &").append(c).append(" [*").append(p).append(", *").append(p)
                    .append(", *").append(p).append(", *").append(p).append(", *").append(p).append(", *").append(p)
                    .append(", *").append(p).append(", *").append(p).append("]\n");
        }
        String error = assertTimeoutPreemptively(PROMPTLY, () -> files.error(laughs.toString()));
        assertThat(error).matches("8:\\d+: with this alias \\*g replaced by the \\d+ characters its anchor names, the"
                + " configuration would be more than 33554432 characters \\(the limit of alias expansion\\)");
        assertThat(files.error("x-a: &a [1, *a]\n")).isEqualTo("1:13: alias *a is inside the node its anchor &a names,"
                + " so that node would contain itself; recursive aliases are not allowed");
        // A long string repeated by aliases costs its length each time.
        String longValue = "x-v: &v \"" + "v".repeat(1 << 20) + "\"\nx-list: [" + "*v, ".repeat(40) + "]\n";
        assertThat(files.error(longValue)).startsWith("2:").contains("with this alias *v replaced by the 1048577 characters");
    }

    /** snakeyaml alone refuses a 51st alias of a mapping, which is a config of 51 programs sharing defaults. */
    @Test
    void manyProgramsMayMergeTheSameDefaults() {
        StringBuilder yaml = new StringBuilder("x-defaults: &defaults {autorestart: always, stoptime: 5s, env: {A: b}}\nprograms:\n");
        for (int i = 0; i < 500; i++) {
            yaml.append("  p").append(i).append(": {<<: *defaults, cmd: x}\n");
        }
        Config config = files.load(yaml.toString());
        assertThat(config.programs()).hasSize(500).allSatisfy(p -> assertThat(p.env()).containsEntry("A", "b"));
    }

    @Test
    void theNumberOfNodesIsLimited() {
        String many = "x-a: [" + "1,".repeat(Limits.NODES) + "]\n";
        // The root mapping, the key x-a and the list are three nodes; the item after the limit is refused.
        assertThat(assertTimeoutPreemptively(PROMPTLY, () -> files.error(many))).isEqualTo("1:" + (7 + 2 * (Limits.NODES - 3))
                + ": more than 200000 YAML nodes (keys, values and list items) in the configuration (the limit of nodes)");
    }

    @Test
    void allFilesTogetherAreLimitedAtTheIncludeThatCrossesTheLimit() {
        String filler = "# " + "f".repeat(Limits.FILE_BYTES - 100) + "\n";
        for (int i = 0; i < 6; i++) {
            files.write("conf.d/" + i + ".yaml", filler);
        }
        Path main = files.write("main.yaml", "include: conf.d/*.yaml\n");
        long total = Files.exists(main) ? 6L * filler.length() + "include: conf.d/*.yaml\n".length() : 0;
        assertThat(total).isGreaterThan(Limits.TOTAL_BYTES);
        List<String> errors = located(main);
        assertThat(errors).singleElement().asString().startsWith(main + ":1:10: include: with this file (" + filler.length()
                + " bytes) the configuration's files are ").endsWith(" bytes together, more than the limit of 16777216 bytes (16 MiB)");
    }

    @Test
    void theNumberOfFilesIsLimited() {
        for (int i = 0; i < Limits.FILES; i++) {
            files.write(String.format("conf.d/%04d.yaml", i), "programs: {p" + i + ": {cmd: x}}\n");
        }
        Path main = files.write("main.yaml", "include: conf.d/*.yaml\n");
        assertThat(located(main)).containsExactly(main + ":1:10: include: cannot read included file "
                + tmp.resolve("conf.d/0999.yaml") + ": the configuration already has 1000 files, the limit; this one and any"
                + " after it are not read");
    }

    /** Each file of a chain of includes takes stack: a chain of a thousand overflowed a daemon thread's 512 KiB. */
    @Test
    void includesNestTwentyDeepAtMost() throws Exception {
        for (int i = 1; i < 30; i++) {
            files.write("chain/" + i + ".yaml", "programs: {p" + i + ": {cmd: x}}\ninclude: " + (i + 1) + ".yaml\n");
        }
        files.write("chain/30.yaml", "programs: {p30: {cmd: x}}\n");
        Path main = files.write("chain/1.yaml", "programs: {p1: {cmd: x}}\ninclude: 2.yaml\n");
        Thread small = Thread.ofPlatform().stackSize(512 << 10).unstarted(() -> assertThat(located(main)).containsExactly(
                tmp.resolve("chain/20.yaml") + ":2:10: include: cannot read included file " + tmp.resolve("chain/21.yaml")
                        + ": it would be file 21 in a chain of includes, more than the limit of 20"));
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        small.setUncaughtExceptionHandler((t, e) -> failed.set(e));
        small.start();
        small.join();
        assertThat(failed.get()).isNull();
        files.write("chain/20.yaml", "programs: {p20: {cmd: x}}\n");
        assertThat(ConfigLoader.load(main, ConfigFiles.ENV).programs()).hasSize(20);
    }

    @Test
    void aThousandErrorsAreListedAndTheRestCounted() {
        StringBuilder yaml = new StringBuilder("programs:\n  a:\n    cmd: x\n");
        for (int i = 0; i < 1500; i++) {
            yaml.append("    unknown").append(i).append(": 1\n");
        }
        List<ConfigError> errors = files.errors(yaml.toString());
        assertThat(errors).hasSize(Limits.ERRORS + 1);
        assertThat(ConfigFiles.located(errors.getLast())).isEqualTo("1004:5: 500 more errors from here on, not listed (at most 1000 are)");
    }

    @Test
    void aHugeValueIsQuotedByItsEndsInMessages() {
        String value = "n".repeat(1 << 20);
        String error = files.error("programs: {a: {cmd: x, numprocs: \"" + value + "\"}}\n");
        assertThat(error).startsWith("1:34: programs.a.numprocs: expected an integer from 1 to 10000, found \"nnn")
                .endsWith("nnn (1048576 characters)\"").hasSizeLessThan(500);
        // A simple key is at most 1024 characters; an explicit one ("? key") may be any length.
        String key = "k".repeat(1 << 20);
        assertThat(assertTimeoutPreemptively(PROMPTLY, () -> files.error("programs:\n  a:\n    cmd: x\n    ? " + key + "\n    : 1\n")))
                .startsWith("4:7: programs.a.kkk").contains("characters]").hasSizeLessThan(3000);
    }

    /** The "Limits" section of docs/configuration.md states the values in force. */
    @Test
    void theLimitsAreDocumentedAsTheyAre() throws IOException {
        List<String> doc = DocumentationTest.docLines();
        int start = doc.indexOf("## Limits");
        assertThat(start).as("a \"## Limits\" section").isPositive();
        String section = String.join("\n", doc.subList(start, doc.subList(start + 1, doc.size()).stream()
                .filter(l -> l.startsWith("## ")).findFirst().map(l -> doc.indexOf(l)).orElse(doc.size())));
        assertThat(section).contains(
                "| " + (Limits.FILE_BYTES >> 20) + " MiB (" + Limits.FILE_BYTES + " bytes) |",
                "| " + (Limits.TOTAL_BYTES >> 20) + " MiB |",
                "(the main file and every include) | " + Limits.FILES + " |",
                "one chain of includes | " + Limits.INCLUDE_DEPTH + " |",
                "(nesting) | " + Limits.NESTING + " |",
                "| " + String.format(java.util.Locale.ROOT, "%,d", Limits.NODES) + " |",
                "(" + Limits.EXPANDED_CHARS + ")",
                "Errors listed for one configuration | " + Limits.ERRORS + " |");
    }

    static Path mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertThat(p.waitFor()).as("mkfifo").isZero();
        return path;
    }
}
