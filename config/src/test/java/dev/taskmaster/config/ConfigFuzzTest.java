package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feeds the loader mutations of real configurations (the bundled examples and every YAML block
 * of docs/configuration.md): flipped bytes, truncations, control characters, NULs, broken UTF-8,
 * byte order marks, duplicated and deeply nested structures, huge values, alias bombs, special
 * files as includes. Whatever the input, a load must end within a deadline, throw nothing but
 * {@link ConfigException}, and locate every error at {@code file:line:column} on one line.
 *
 * <p>The seed is fixed, so a run is reproducible; {@code -Dfuzz.seed=N} and {@code -Dfuzz.cases=N}
 * change it. A failure names the seed and the case, and leaves the input in
 * {@code target/fuzz-failures/}.
 */
class ConfigFuzzTest {

    static final long SEED = Long.getLong("fuzz.seed", 20261211L);
    static final int CASES = Integer.getInteger("fuzz.cases", 400);
    /** One load, on a machine shared with parallel builds; the loads here take milliseconds. */
    static final Duration DEADLINE = Duration.ofSeconds(15);
    /** The whole run: past it, no new case starts (each started one still has its deadline). */
    static final Duration BUDGET = Duration.ofSeconds(120);
    static final Path FAILURES = Path.of("target/fuzz-failures").toAbsolutePath();

    @TempDir
    Path tmp;
    ExecutorService loader;

    @BeforeEach
    void startLoader() {
        loader = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("fuzz-load").daemon(true).unstarted(r));
    }

    @AfterEach
    void stopLoader() {
        loader.shutdownNow();
    }

    @Test
    void mutatedConfigurationsLoadOrFailWithLocatedErrorsInTime() throws Exception {
        List<byte[]> seeds = seeds();
        assertThat(seeds).hasSizeGreaterThan(10);
        Path fifo = PoisonedInputTest.mkfifo(tmp.resolve("fifo.yaml"));
        Random random = new Random(SEED);
        long end = System.nanoTime() + BUDGET.toNanos();
        int run = 0;
        int rejected = 0;
        for (; run < CASES && System.nanoTime() < end; run++) {
            Case c = new Case(run, random, seeds, fifo);
            if (check(c)) {
                rejected++;
            }
        }
        System.out.printf("config fuzz: seed %d, %d cases, %d rejected, %d loaded%n", SEED, run, rejected, run - rejected);
        // Enough ran to mean something, and the mutations do break things (and not always).
        assertThat(run).as("cases run within %s", BUDGET).isGreaterThanOrEqualTo(Math.min(CASES, 100));
        assertThat(rejected).isGreaterThan(run / 4).isLessThan(run);
    }

    /** Loads one case; true when it was rejected. */
    private boolean check(Case c) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("case-" + c.number));
        Path main = Files.write(dir.resolve("taskmaster.yaml"), c.main);
        Path included = Files.write(dir.resolve("included.yaml"), c.included);
        Files.createDirectories(dir.resolve("conf.d"));
        Files.writeString(dir.resolve("conf.d/10-x.yaml"), "programs: {x: {cmd: x}}\n");
        Future<List<ConfigError>> load = loader.submit(() -> {
            try {
                ConfigLoader.load(main, ConfigFiles.ENV);
                return List.of();
            } catch (ConfigException e) {
                return e.errors();
            }
        });
        List<ConfigError> errors;
        try {
            errors = load.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            load.cancel(true);
            loader.shutdownNow();
            loader = Executors.newSingleThreadExecutor();
            throw failure(c, main, included, "the load did not end within " + DEADLINE, null);
        } catch (ExecutionException e) {
            throw failure(c, main, included, "the load threw " + e.getCause(), e.getCause());
        }
        for (ConfigError error : errors) {
            String line = error.toString();
            if (error.line() < 1 || error.column() < 1 || !line.matches("(?s)[^:]+:\\d+:\\d+: .*")) {
                throw failure(c, main, included, "an error without a position: " + line, null);
            }
            if (line.contains("\n") || line.length() > 3000) {
                throw failure(c, main, included, "an error that is not one short line (" + line.length()
                        + " characters): " + Problems.clip(line, 300), null);
            }
            if (!error.file().startsWith(dir)) {
                throw failure(c, main, included, "an error in a file the case did not write: " + line, null);
            }
        }
        if (errors.size() > Limits.ERRORS + 1) {
            throw failure(c, main, included, errors.size() + " errors, more than the limit", null);
        }
        checkApiText(c);
        return !errors.isEmpty();
    }

    /** The same text given as a program definition through the API: same rules, no file. */
    private void checkApiText(Case c) throws Exception {
        String text = new String(c.main, StandardCharsets.UTF_8);
        Future<?> load = loader.submit(() -> {
            try {
                ConfigLoader.loadProgramDefinition(text, "<AddProgram>", tmp, ConfigFiles.ENV);
            } catch (ConfigException e) {
                for (ConfigError error : e.errors()) {
                    // A request that says nothing at all is wrong as a whole, not at a place (SingleProgramTest).
                    if (error.message().endsWith("found nothing") && error.line() == 0) {
                        continue;
                    }
                    assertThat(error.line()).as("line of %s", error).isPositive();
                    assertThat(error.column()).as("column of %s", error).isPositive();
                }
            }
            return null;
        });
        try {
            load.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            load.cancel(true);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw failure(c, null, null, "loadProgramDefinition: " + cause, cause);
        }
    }

    private AssertionError failure(Case c, Path main, Path included, String what, Throwable cause) throws IOException {
        Path saved = Files.createDirectories(FAILURES.resolve(SEED + "-" + c.number));
        Files.write(saved.resolve("taskmaster.yaml"), c.main);
        Files.write(saved.resolve("included.yaml"), c.included);
        return new AssertionError("config fuzz case " + c.number + " (seed " + SEED + "; rerun with -Dfuzz.seed="
                + SEED + "), mutations " + c.mutations + ": " + what + "; input saved in " + saved, cause);
    }

    /** The bundled examples and every YAML block of the configuration reference. */
    static List<byte[]> seeds() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        try (Stream<Path> examples = Files.walk(ExamplesTest.EXAMPLES)) {
            for (Path p : examples.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                seeds.add(Files.readAllBytes(p));
            }
        }
        for (DocumentationTest.Block b : DocumentationTest.yamlBlocks()) {
            seeds.add(b.text().getBytes(StandardCharsets.UTF_8));
        }
        return seeds;
    }

    /** One generated input: a main file and a file it may include, and the mutations that made them. */
    static final class Case {
        final int number;
        final List<String> mutations = new ArrayList<>();
        byte[] main;
        final byte[] included;
        private final Random random;
        private final Path fifo;

        Case(int number, Random random, List<byte[]> seeds, Path fifo) {
            this.number = number;
            this.random = random;
            this.fifo = fifo;
            main = seeds.get(random.nextInt(seeds.size())).clone();
            included = mutate(seeds.get(random.nextInt(seeds.size())).clone(), 1);
            main = mutate(main, 1 + random.nextInt(3));
        }

        private byte[] mutate(byte[] text, int times) {
            byte[] t = text;
            for (int i = 0; i < times; i++) {
                t = once(t);
            }
            return t;
        }

        private byte[] once(byte[] t) {
            int kind = random.nextInt(15);
            return switch (kind) {
                case 0 -> note("flip", flip(t));
                case 1 -> note("truncate", Arrays.copyOf(t, t.length == 0 ? 0 : random.nextInt(t.length)));
                case 2 -> note("control", insert(t, control()));
                case 3 -> note("bad-utf8", insert(t, pick(new byte[][] {{(byte) 0xC3}, {(byte) 0xFF},
                    {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xF4, (byte) 0x90, 0, 0}})));
                case 4 -> note("bom", random.nextBoolean() ? concat(pick(new byte[][] {{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                    {(byte) 0xFF, (byte) 0xFE}, {(byte) 0xFE, (byte) 0xFF}, {0, 0, (byte) 0xFE, (byte) 0xFF}}), t)
                        : insert(t, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}));
                case 5 -> note("duplicate-lines", duplicateLines(t));
                case 6 -> note("nest", insert(t, nesting()));
                case 7 -> note("huge-value", insert(t, hugeValue()));
                case 8 -> note("alias-bomb", concat(t, aliasBomb()));
                case 9 -> note("token", insert(t, pick(TOKENS).getBytes(StandardCharsets.UTF_8)));
                case 10 -> note("indent", insertAtLineStart(t, pick(new String[] {" ", "  ", "\t", "- ", "? "})));
                case 11 -> note("repeat", concat(t, t));
                case 12 -> note("include", concat(t, ("\ninclude:\n  - " + pick(new String[] {"/dev/zero", "/dev/urandom",
                    fifo.toString(), "/proc/self/mem", "/tmp", "taskmaster.yaml", "included.yaml", "conf.d/*.yaml",
                    "nope.yaml", "/dev/null"}) + "\n").getBytes(StandardCharsets.UTF_8)));
                case 13 -> note("utf16", new String(t, StandardCharsets.UTF_8).getBytes(
                        random.nextBoolean() ? StandardCharsets.UTF_16 : StandardCharsets.UTF_16LE));
                default -> note("delete", delete(t));
            };
        }

        private byte[] note(String mutation, byte[] result) {
            mutations.add(mutation);
            return result;
        }

        private static final String[] TOKENS = {": ", "- ", "&a ", "*a", "*nope", "!!binary ", "!!python/object:x ",
            "? ", "\n---\n", "\n...\n", "%YAML 1.1\n", "<<: *a\n", "<<: [*a, 1]\n", "${", "${X:-${Y}}", "$$", "~",
            "|", ">-", "\"", "'", "[", "{", "]", "}", ",", "#", "!", "%", "@", "`", "\\", "\\x00", "\"\\x1b\"",
            "\"\\u202E\"", "\"\\0\"", "0o777", "1e999", "-9223372036854775809", "\u00e9", "\uD83D\uDE00", "\u2028",
            "\u0085", "\uFEFF", "x-a: &a {b: 1}\n", "include: *a\n", "programs: *a\n", "programs:\n  ", "cmd: ",
            "numprocs: 99999999999\n", "stoptime: 1e9h\n", "logfile_maxbytes: 99999999999GB\n"};

        private byte[] flip(byte[] t) {
            if (t.length == 0) {
                return t;
            }
            byte[] out = t.clone();
            out[random.nextInt(out.length)] = (byte) random.nextInt(256);
            return out;
        }

        private byte[] control() {
            int c = random.nextInt(4) == 0 ? 0x7F + random.nextInt(0x21) : random.nextInt(0x20);
            return new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8);
        }

        private byte[] nesting() {
            int depth = 1 + random.nextInt(120);
            String open = random.nextBoolean() ? "[" : "{a: ";
            String close = open.equals("[") ? "]" : "}";
            return (" " + open.repeat(depth) + "x" + close.repeat(random.nextInt(depth + 1)) + "\n").getBytes(StandardCharsets.UTF_8);
        }

        private byte[] hugeValue() {
            int size = random.nextInt(8) == 0 ? Limits.FILE_BYTES + random.nextInt(1 << 20) : random.nextInt(1 << 20);
            char c = pick(new Character[] {'x', ' ', '#', '"', 'é', '\n'});
            String quote = pick(new String[] {"", "\"", "'"});
            return (quote + String.valueOf(c).repeat(size / 2) + quote).getBytes(StandardCharsets.UTF_8);
        }

        private byte[] aliasBomb() {
            int fan = 2 + random.nextInt(12);
            int depth = 2 + random.nextInt(12);
            StringBuilder b = new StringBuilder("\nx-l0: &l0 \"").append("lol".repeat(1 + random.nextInt(1000))).append("\"\n");
            for (int i = 1; i <= depth; i++) {
                b.append("x-l").append(i).append(": &l").append(i).append(" [");
                for (int j = 0; j < fan; j++) {
                    b.append(j == 0 ? "" : ", ").append("*l").append(i - 1);
                }
                b.append("]\n");
            }
            if (random.nextBoolean()) {
                b.append("programs: {bomb: {cmd: x, env: {A: *l").append(depth).append("}}}\n");
            }
            return b.toString().getBytes(StandardCharsets.UTF_8);
        }

        private byte[] duplicateLines(byte[] t) {
            String[] lines = new String(t, StandardCharsets.UTF_8).split("\n", -1);
            int from = random.nextInt(lines.length);
            int to = Math.min(lines.length, from + 1 + random.nextInt(20));
            List<String> out = new ArrayList<>(Arrays.asList(lines));
            int times = 1 + random.nextInt(random.nextInt(10) == 0 ? 5000 : 3);
            for (int i = 0; i < times; i++) {
                out.addAll(to, Arrays.asList(lines).subList(from, to));
            }
            return String.join("\n", out).getBytes(StandardCharsets.UTF_8);
        }

        private byte[] insertAtLineStart(byte[] t, String prefix) {
            String[] lines = new String(t, StandardCharsets.UTF_8).split("\n", -1);
            int at = random.nextInt(lines.length);
            lines[at] = prefix + lines[at];
            return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        }

        private byte[] delete(byte[] t) {
            if (t.length == 0) {
                return t;
            }
            int from = random.nextInt(t.length);
            int to = Math.min(t.length, from + 1 + random.nextInt(64));
            return concat(Arrays.copyOf(t, from), Arrays.copyOfRange(t, to, t.length));
        }

        private byte[] insert(byte[] t, byte[] what) {
            int at = t.length == 0 ? 0 : random.nextInt(t.length + 1);
            ByteArrayOutputStream out = new ByteArrayOutputStream(t.length + what.length);
            out.write(t, 0, at);
            out.writeBytes(what);
            out.write(t, at, t.length - at);
            return out.toByteArray();
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] out = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }

        private <T> T pick(T[] choices) {
            return choices[random.nextInt(choices.length)];
        }
    }
}
