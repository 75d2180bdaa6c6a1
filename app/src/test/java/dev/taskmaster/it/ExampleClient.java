package dev.taskmaster.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The example clients of clients/ (one per language): what each needs installed, how its code
 * is generated from the .proto (into target/, never committed), and the command that runs it.
 *
 * <p>Threading: an enum of immutable constants; {@link #prepare()} is called by one test thread.
 */
enum ExampleClient {

    PYTHON("protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf (apt-get install)") {
        @Override
        Optional<String> missing() {
            for (String tool : List.of("/usr/bin/protoc", "/usr/bin/grpc_python_plugin", "/usr/bin/python3")) {
                if (!Files.isExecutable(Path.of(tool))) {
                    return Optional.of(tool);
                }
            }
            // python3 is Debian's, which is what python3-grpcio serves (not a pyenv one on PATH).
            return succeeds("/usr/bin/python3", "-c", "import grpc, google.protobuf")
                    ? Optional.empty() : Optional.of("the Python modules grpc and google.protobuf");
        }

        @Override
        void generate(Path out) {
            run("clients/python/generate.sh", out.toString());
        }

        @Override
        List<String> command(Path out) {
            return List.of("/usr/bin/python3", "clients/python/taskmaster_client.py");
        }

        @Override
        Map<String, String> env(Path out) {
            return Map.of("PYTHONPATH", out.toString(), "PYTHONDONTWRITEBYTECODE", "1");
        }
    },

    NODE("nodejs npm (apt-get install), then: npm ci --prefix clients/node") {
        @Override
        Optional<String> missing() {
            if (onPath("node").isEmpty()) {
                return Optional.of("node");
            }
            return Files.exists(BinProcess.REPO.resolve("clients/node/node_modules/@grpc/grpc-js/package.json"))
                    && Files.exists(BinProcess.REPO.resolve("clients/node/node_modules/@grpc/proto-loader/package.json"))
                    ? Optional.empty() : Optional.of("clients/node/node_modules (@grpc/grpc-js, @grpc/proto-loader)");
        }

        @Override
        void generate(Path out) {
            // Nothing to generate: @grpc/proto-loader reads the .proto when the client starts.
        }

        @Override
        List<String> command(Path out) {
            // The client's default include directory is proto/src/main/proto, as a user's is.
            return List.of(onPath("node").orElseThrow().toString(), "clients/node/taskmaster-client.js");
        }
    },

    GO("protobuf-compiler golang-go golang-google-grpc-dev golang-github-golang-protobuf-1-5-dev protoc-gen-go protoc-gen-go-grpc (apt-get install)") {
        @Override
        Optional<String> missing() {
            for (String tool : List.of("/usr/bin/protoc", "/usr/bin/go", "/usr/bin/protoc-gen-go", "/usr/bin/protoc-gen-go-grpc")) {
                if (!Files.isExecutable(Path.of(tool))) {
                    return Optional.of(tool);
                }
            }
            // Debian's protoc-gen-go-1-3 also installs /usr/bin/protoc-gen-go, but cannot compile
            // proto3 `optional`, and has no --version.
            if (!succeeds("/usr/bin/protoc-gen-go", "--version")) {
                return Optional.of("protoc-gen-go 1.20 or later (Debian's protoc-gen-go, not protoc-gen-go-1-3)");
            }
            for (String pkg : List.of("google.golang.org/grpc/version.go",
                    // In golang/protobuf 1.4 and later only: the 1.3 one cannot marshal the messages protoc-gen-go 1.28 makes.
                    "github.com/golang/protobuf/proto/registry.go",
                    "google.golang.org/genproto/googleapis/rpc/status/status.pb.go")) {
                if (!Files.exists(Path.of("/usr/share/gocode/src").resolve(pkg))) {
                    return Optional.of("/usr/share/gocode/src/" + pkg);
                }
            }
            return Optional.empty();
        }

        @Override
        void generate(Path out) {
            run("clients/go/build.sh", out.toString());
        }

        @Override
        List<String> command(Path out) {
            return List.of(out.resolve("taskmaster-client").toString());
        }
    };

    private static final Path TARGET = Path.of("target/clients-it").toAbsolutePath();
    private static final Duration BUILD_LIMIT = Duration.ofMinutes(5);

    /** What to install when this client cannot run here. */
    final String packages;

    ExampleClient(String packages) {
        this.packages = packages;
    }

    /** The first tool or file this client needs that is missing, if any. */
    abstract Optional<String> missing();

    /** Generates this client's code from the .proto into {@code out}. */
    abstract void generate(Path out);

    /** The command running the client (relative paths are the repository's). */
    abstract List<String> command(Path out);

    /** Environment the client needs besides the daemon's (XDG_*) variables. */
    Map<String, String> env(Path out) {
        return Map.of();
    }

    /** Where this client's generated code goes. */
    Path out() {
        return TARGET.resolve(name().toLowerCase());
    }

    /**
     * Generates the code into a fresh {@link #out()}. The scripts are those docs/clients.md
     * tells users to run, so this also tests the documentation's commands.
     */
    void prepare() {
        Path out = out();
        deleteTree(out);
        generate(out);
    }

    static Optional<Path> onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(d -> !d.isBlank())
                .map(d -> Path.of(d, program))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static boolean succeeds(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void run(String... argv) {
        try {
            Path logs = Files.createDirectories(TARGET.resolve("logs"));
            try (BinProcess p = BinProcess.start(logs, Map.of(), argv)) {
                int code = p.waitFor(BUILD_LIMIT);
                if (code != 0) {
                    throw new AssertionError(String.join(" ", argv) + " failed (exit " + code + "): " + p.stderr() + p.stdout());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + String.join(" ", argv), e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
