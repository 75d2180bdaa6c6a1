package dev.taskmaster.proto.v1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the contract's lint in the build: {@code buf lint} (STANDARD and COMMENTS rules, see
 * proto/buf.yaml) and {@code buf breaking} against the descriptor set of the released v1
 * (proto/compat/taskmaster-v1.binpb, WIRE_JSON rules and no deleted file, type or RPC), and proves on altered copies of the
 * .proto files that each check rejects what it is there to reject, naming the culprit.
 *
 * <p>buf comes from npm, pinned in proto/lint/package.json: {@code npm ci --prefix proto/lint}.
 * Without it the tests are skipped, except under CI=true, where they fail.
 */
class ContractLintTest {

    private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private static final Path BUF = MODULE.resolve("lint/node_modules/.bin/buf");
    private static final String RELEASED = "compat/taskmaster-v1.binpb";
    private static final String PROCESS_PROTO = "src/main/proto/taskmaster/v1/process.proto";
    private static final String SERVICE_PROTO = "src/main/proto/taskmaster/v1/taskmaster.proto";

    /** Per test rather than per class, so a run without buf counts each test as skipped. */
    @BeforeEach
    void requireBuf() {
        if (Files.isExecutable(BUF)) {
            return;
        }
        String message = BUF + " is missing: run npm ci --prefix proto/lint";
        if ("true".equals(System.getenv("CI"))) {
            fail(message);
        }
        Assumptions.abort(message);
    }

    /** What buf printed (stdout and stderr together) and its exit code. */
    private record Run(int exit, String output) {}

    private static Run buf(Path workspace, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(BUF.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(workspace.toFile())
                .redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail("buf " + String.join(" ", args) + " did not end within 2 minutes: " + output);
        }
        return new Run(process.exitValue(), output.strip());
    }

    /** A copy of what buf reads in proto/ (buf.yaml, the sources, the released set). */
    private static Path copyOfContract(Path into) throws IOException {
        Files.copy(MODULE.resolve("buf.yaml"), into.resolve("buf.yaml"));
        Files.createDirectories(into.resolve("compat"));
        Files.copy(MODULE.resolve(RELEASED), into.resolve(RELEASED));
        Path sources = MODULE.resolve("src/main/proto");
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path target = into.resolve("src/main/proto").resolve(sources.relativize(file).toString());
                Files.createDirectories(target.getParent());
                Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return into;
    }

    private static void replace(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertThat(text).as("%s still holds the line this test alters", file).contains(from);
        Files.writeString(file, text.replace(from, to));
    }

    @Test
    void theContractPassesTheLint() throws Exception {
        Run run = buf(MODULE, "lint");
        assertThat(run.output()).as("buf lint").isEmpty();
        assertThat(run.exit()).isZero();
    }

    @Test
    void theContractIsWireAndJsonCompatibleWithTheReleasedV1() throws Exception {
        Run run = buf(MODULE, "breaking", "--against", RELEASED);
        assertThat(run.output()).as("buf breaking --against " + RELEASED).isEmpty();
        assertThat(run.exit()).isZero();
    }

    @Test
    void theReleasedSetHoldsTheWholeReleasedContract() throws IOException {
        // An empty or partial set would let every change pass `buf breaking`.
        FileDescriptorSet released = FileDescriptorSet.parseFrom(Files.readAllBytes(MODULE.resolve(RELEASED)));
        assertThat(released.getFileList()).extracting(FileDescriptorProto::getName).contains(
                "taskmaster/v1/auth.proto", "taskmaster/v1/config.proto", "taskmaster/v1/events.proto",
                "taskmaster/v1/output.proto", "taskmaster/v1/process.proto", "taskmaster/v1/program.proto",
                "taskmaster/v1/taskmaster.proto", "google/rpc/status.proto");
        FileDescriptorProto service = released.getFileList().stream()
                .filter(f -> f.getName().equals("taskmaster/v1/taskmaster.proto")).findFirst().orElseThrow();
        assertThat(service.getService(0).getName()).isEqualTo("TaskmasterService");
        assertThat(service.getService(0).getMethodCount()).as("RPCs of the released v1").isEqualTo(24);
    }

    @Test
    void breakingRejectsAFieldWhoseTypeChanged(@TempDir Path tmp) throws Exception {
        Path copy = copyOfContract(tmp);
        replace(copy.resolve(PROCESS_PROTO), "int32 instance_index = 5;", "string instance_index = 5;");
        Run run = buf(copy, "breaking", "--against", RELEASED);
        assertThat(run.exit()).as(run.output()).isNotZero();
        assertThat(run.output()).contains(PROCESS_PROTO + ":").contains(
                "Field \"5\" with name \"instance_index\" on message \"ProcessInfo\" changed type from \"int32\" to \"string\"");
    }

    @Test
    void breakingRejectsAFieldNumberGivenToAnotherField(@TempDir Path tmp) throws Exception {
        Path copy = copyOfContract(tmp);
        replace(copy.resolve(PROCESS_PROTO), "string group = 4;", "string cgroup = 4;");
        Run run = buf(copy, "breaking", "--against", RELEASED);
        assertThat(run.exit()).as(run.output()).isNotZero();
        assertThat(run.output()).contains(PROCESS_PROTO + ":")
                .contains("Field \"4\" on message \"ProcessInfo\" changed name from \"group\" to \"cgroup\"");
    }

    @Test
    void breakingRejectsAFieldDeletedWithoutReservingItsNumber(@TempDir Path tmp) throws Exception {
        Path copy = copyOfContract(tmp);
        replace(copy.resolve(PROCESS_PROTO), "string group = 4;", "");
        Run run = buf(copy, "breaking", "--against", RELEASED);
        assertThat(run.exit()).as(run.output()).isNotZero();
        assertThat(run.output()).contains("field \"4\" with name \"group\" on message \"ProcessInfo\" was deleted");
    }

    @Test
    void breakingRejectsARemovedRpc(@TempDir Path tmp) throws Exception {
        Path copy = copyOfContract(tmp);
        Path service = copy.resolve(SERVICE_PROTO);
        String text = Files.readString(service);
        String rpc = text.substring(text.indexOf("  rpc ClearOutput("));
        rpc = rpc.substring(0, rpc.indexOf("\n  }\n") + 5);
        replace(service, rpc, "");
        Run run = buf(copy, "breaking", "--against", RELEASED);
        assertThat(run.exit()).as(run.output()).isNotZero();
        assertThat(run.output()).contains("RPC \"ClearOutput\" on service \"TaskmasterService\" was deleted");
    }

    @Test
    void breakingRejectsAMessageMovedToAnotherFile(@TempDir Path tmp) throws Exception {
        // Wire-compatible, but Python users import ProcessStateCount from taskmaster_pb2.
        Path copy = copyOfContract(tmp);
        String message = "// How many processes are in one state.\nmessage ProcessStateCount {";
        Path service = copy.resolve(SERVICE_PROTO);
        String text = Files.readString(service);
        String block = text.substring(text.indexOf(message));
        block = block.substring(0, block.indexOf("\n}\n") + 3);
        replace(service, block, "");
        Path process = copy.resolve(PROCESS_PROTO);
        Files.writeString(process, Files.readString(process) + "\n" + block);
        Run run = buf(copy, "breaking", "--against", RELEASED);
        assertThat(run.exit()).as(run.output()).isNotZero();
        assertThat(run.output()).contains(SERVICE_PROTO + ":")
                .contains("Previously present message \"ProcessStateCount\" was deleted from file");
    }

    @Test
    void lintRejectsAnUncommentedOrMisnamedDeclaration(@TempDir Path tmp) throws Exception {
        Path copy = copyOfContract(tmp);
        Path config = copy.resolve("src/main/proto/taskmaster/v1/config.proto");
        Files.writeString(config, Files.readString(config)
                + "\n// A message added by ContractLintTest.\nmessage LintProbe {\n  int32 BadName = 1;\n}\n");
        Run run = buf(copy, "lint");
        assertThat(run.exit()).as(run.output()).isNotZero();
        assertThat(run.output())
                .contains("taskmaster/v1/config.proto:", "Field \"BadName\" should have a non-empty comment")
                .contains("Field name \"BadName\" should be lower_snake_case");
    }
}
