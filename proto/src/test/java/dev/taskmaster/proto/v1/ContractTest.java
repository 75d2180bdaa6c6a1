package dev.taskmaster.proto.v1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Checks that the taskmaster.v1 contract follows the rules it promises (protobuf style guide,
 * AIP naming, documented everything) and that the generated code works end to end.
 */
class ContractTest {

    private static final String PACKAGE = "taskmaster.v1";

    /** Descriptors carry no comments, so the comment rules are checked on the source text. */
    private static final Path PROTO_DIR = Path.of(System.getProperty("basedir", "."))
            .resolve("src/main/proto/taskmaster/v1");

    // ---------------------------------------------------------------- descriptors

    /** Every file of the package, reached from the service file through its imports. */
    private static List<FileDescriptor> contractFiles() {
        Map<String, FileDescriptor> seen = new LinkedHashMap<>();
        Deque<FileDescriptor> todo = new ArrayDeque<>(List.of(TaskmasterProto.getDescriptor()));
        while (!todo.isEmpty()) {
            FileDescriptor file = todo.pop();
            if (file.getPackage().equals(PACKAGE) && seen.putIfAbsent(file.getName(), file) == null) {
                todo.addAll(file.getDependencies());
            }
        }
        return List.copyOf(seen.values());
    }

    private static List<Descriptor> allMessages() {
        List<Descriptor> out = new ArrayList<>();
        contractFiles().forEach(f -> f.getMessageTypes().forEach(m -> collect(m, out)));
        return out;
    }

    private static void collect(Descriptor message, List<Descriptor> out) {
        if (message.getOptions().getMapEntry()) {
            return; // synthetic type generated for a map<> field
        }
        out.add(message);
        message.getNestedTypes().forEach(n -> collect(n, out));
    }

    private static List<EnumDescriptor> allEnums() {
        List<EnumDescriptor> out = new ArrayList<>();
        contractFiles().forEach(f -> out.addAll(f.getEnumTypes()));
        allMessages().forEach(m -> out.addAll(m.getEnumTypes()));
        return out;
    }

    private static ServiceDescriptor service() {
        return TaskmasterProto.getDescriptor().findServiceByName("TaskmasterService");
    }

    @Test
    void everyProtoFileOnDiskIsPartOfTheContractAndDeclaresTheJavaOptions() throws IOException {
        Set<String> onDisk = new HashSet<>();
        try (Stream<Path> files = Files.list(PROTO_DIR)) {
            files.filter(p -> p.toString().endsWith(".proto"))
                    .forEach(p -> onDisk.add("taskmaster/v1/" + p.getFileName()));
        }
        assertThat(contractFiles()).extracting(FileDescriptor::getName)
                .containsExactlyInAnyOrderElementsOf(onDisk);
        for (FileDescriptor file : contractFiles()) {
            assertThat(file.toProto().getSyntax()).as(file.getName()).isEqualTo("proto3");
            assertThat(file.getOptions().getJavaPackage()).as(file.getName()).isEqualTo("dev.taskmaster.proto.v1");
            assertThat(file.getOptions().getJavaMultipleFiles()).as(file.getName()).isTrue();
        }
    }

    /** The packages each language gets, as docs/contract.md names them; the same in every file. */
    @Test
    void everyFileDeclaresTheSamePackageForEveryCommonLanguage() {
        for (FileDescriptor file : contractFiles()) {
            var options = file.getOptions();
            assertThat(options.getGoPackage()).as(file.getName())
                    .isEqualTo("github.com/taskmaster-dev/taskmaster/gen/go/taskmaster/v1;taskmasterv1");
            assertThat(options.getCsharpNamespace()).as(file.getName()).isEqualTo("Taskmaster.V1");
            assertThat(options.getPhpNamespace()).as(file.getName()).isEqualTo("Taskmaster\\V1");
            assertThat(options.getRubyPackage()).as(file.getName()).isEqualTo("Taskmaster::V1");
            assertThat(options.getObjcClassPrefix()).as(file.getName()).isEqualTo("TMX");
        }
    }

    @Test
    void serviceHasTheAdvertisedNameAndOnlyTheTwoStreamingRpcs() {
        assertThat(TaskmasterServiceGrpc.SERVICE_NAME).isEqualTo("taskmaster.v1.TaskmasterService");
        assertThat(service().getMethods()).extracting(MethodDescriptor::getName).contains(
                "GetServerInfo", "ListProcesses", "GetProcess", "StartProcesses", "StopProcesses",
                "RestartProcesses", "SignalProcesses", "PauseProcesses", "ResumeProcesses",
                "AdoptProcess", "ListPrograms", "GetProgram", "AddProgram", "UpdateProgram",
                "RemoveProgram", "ReloadConfig", "WatchEvents", "TailOutput", "AttachOutput",
                "SendInput", "ResizeTerminal", "ClearOutput", "ReadDaemonLog", "Shutdown");
        assertThat(service().getMethods()).noneMatch(MethodDescriptor::isClientStreaming);
        assertThat(service().getMethods()).filteredOn(MethodDescriptor::isServerStreaming)
                .extracting(MethodDescriptor::getName)
                .containsExactlyInAnyOrder("WatchEvents", "AttachOutput");
    }

    @Test
    void everyRpcHasItsOwnRequestAndResponseMessage() {
        Set<String> used = new HashSet<>();
        for (MethodDescriptor rpc : service().getMethods()) {
            Descriptor in = rpc.getInputType();
            Descriptor out = rpc.getOutputType();
            assertThat(in.getFullName()).as(rpc.getName()).isEqualTo(PACKAGE + "." + rpc.getName() + "Request");
            assertThat(out.getFullName()).as(rpc.getName()).isEqualTo(PACKAGE + "." + rpc.getName() + "Response");
            assertThat(used.add(in.getFullName())).as("reused " + in.getFullName()).isTrue();
            assertThat(used.add(out.getFullName())).as("reused " + out.getFullName()).isTrue();
        }
        // Request and response messages are envelopes: nothing embeds them, and every
        // message named like one belongs to an RPC.
        for (Descriptor message : allMessages()) {
            if (message.getName().endsWith("Request") || message.getName().endsWith("Response")) {
                assertThat(used).as("%s has no RPC", message.getName()).contains(message.getFullName());
            }
            for (FieldDescriptor field : message.getFields()) {
                if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                    String type = field.getMessageType().getFullName();
                    assertThat(used).as("%s.%s embeds %s", message.getName(), field.getName(), type)
                            .doesNotContain(type);
                    assertThat(type).as("%s.%s", message.getName(), field.getName())
                            .isNotEqualTo("google.protobuf.Empty");
                }
            }
        }
    }

    @Test
    void enumsHaveAnUnspecifiedZeroAndPrefixedValues() {
        assertThat(allEnums()).isNotEmpty();
        for (EnumDescriptor e : allEnums()) {
            String prefix = upperSnake(e.getName()) + "_";
            assertThat(e.findValueByNumber(0)).as(e.getName() + " has no zero value").isNotNull();
            assertThat(e.findValueByNumber(0).getName()).isEqualTo(prefix + "UNSPECIFIED");
            assertThat(e.getValues()).extracting(EnumValueDescriptor::getName)
                    .allSatisfy(v -> assertThat(v).startsWith(prefix).matches("[A-Z][A-Z0-9_]*"));
            assertThat(e.getValues()).extracting(EnumValueDescriptor::getNumber)
                    .as("%s is numbered compactly", e.getName())
                    .containsExactlyElementsOf(IntStream.range(0, e.getValues().size()).boxed().toList());
        }
    }

    @Test
    void namesFollowTheStyleGuideAndFieldsAreNumberedCompactly() {
        for (Descriptor message : allMessages()) {
            assertThat(message.getName()).matches("[A-Z][A-Za-z0-9]*");
            List<Integer> numbers = message.getFields().stream().map(FieldDescriptor::getNumber).sorted().toList();
            assertThat(numbers).as("%s is numbered 1..n with no gaps", message.getName())
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, numbers.size()).boxed().toList());
            for (FieldDescriptor field : message.getFields()) {
                assertThat(field.getName()).as(message.getName()).matches("[a-z][a-z0-9]*(_[a-z0-9]+)*");
            }
            assertThat(message.toProto().getReservedRangeCount()).as(message.getName()).isZero();
        }
        for (EnumDescriptor e : allEnums()) {
            assertThat(e.getName()).matches("[A-Z][A-Za-z0-9]*");
        }
        for (MethodDescriptor rpc : service().getMethods()) {
            assertThat(rpc.getName()).matches("[A-Z][A-Za-z0-9]*");
        }
    }

    @Test
    void processStatesAreTheDocumentedOnes() {
        assertThat(ProcessState.getDescriptor().getValues()).extracting(EnumValueDescriptor::getName)
                .containsExactly("PROCESS_STATE_UNSPECIFIED", "PROCESS_STATE_STOPPED",
                        "PROCESS_STATE_STARTING", "PROCESS_STATE_RUNNING", "PROCESS_STATE_BACKOFF",
                        "PROCESS_STATE_STOPPING", "PROCESS_STATE_EXITED", "PROCESS_STATE_FATAL",
                        "PROCESS_STATE_UNKNOWN", "PROCESS_STATE_PAUSED", "PROCESS_STATE_SCHEDULED");
    }

    @Test
    void programSpecCarriesEveryConfigKey() {
        assertThat(ProgramSpec.getDescriptor().getFields()).extracting(FieldDescriptor::getName)
                .containsExactlyInAnyOrder("name", "cmd", "argv", "numprocs", "process_name",
                        "autostart", "autorestart", "exitcodes", "starttime", "startretries", "backoff",
                        "stopsignal", "stoptime", "stdout", "stderr", "redirect_stderr", "env",
                        "workingdir", "umask", "user", "priority", "group", "stopasgroup",
                        "killasgroup", "tty", "log_rotation", "health_check", "start_delay", "cron",
                        "depends_on", "logfile_timestamps", "output_buffer_bytes", "on_log_full", "killmode", "adopt",
                        "max_restarts", "stdout_syslog", "stderr_syslog");
        // Keys whose zero value differs from their default must have presence.
        for (String key : List.of("autostart", "startretries", "umask", "priority", "killasgroup", "output_buffer_bytes",
                "max_restarts")) {
            assertThat(ProgramSpec.getDescriptor().findFieldByName(key).hasPresence()).as(key).isTrue();
        }
    }

    // ---------------------------------------------------------------- roles

    /** The role table of taskmaster.proto's service comment, which the options must match. */
    private static final Map<String, Role> DOCUMENTED_ROLES = documentedRoles();

    private static Map<String, Role> documentedRoles() {
        Map<String, Role> roles = new LinkedHashMap<>();
        for (String rpc : List.of("GetServerInfo", "ListProcesses", "GetProcess", "ListPrograms", "GetProgram",
                "WatchEvents", "TailOutput", "ReadDaemonLog", "AttachOutput")) {
            roles.put(rpc, Role.ROLE_VIEWER);
        }
        for (String rpc : List.of("StartProcesses", "StopProcesses", "RestartProcesses", "SignalProcesses",
                "PauseProcesses", "ResumeProcesses", "ClearOutput", "SendInput", "ResizeTerminal")) {
            roles.put(rpc, Role.ROLE_OPERATOR);
        }
        for (String rpc : List.of("ReloadConfig", "AddProgram", "UpdateProgram", "RemoveProgram", "AdoptProcess",
                "Shutdown", "ReexecDaemon", "TestNotification")) {
            roles.put(rpc, Role.ROLE_ADMIN);
        }
        return roles;
    }

    @Test
    void everyRpcDeclaresTheRoleItNeeds() {
        List<String> undeclared = new ArrayList<>();
        for (MethodDescriptor rpc : service().getMethods()) {
            Role role = rpc.getOptions().getExtension(AuthProto.requiredRole);
            if (role == Role.ROLE_UNSPECIFIED || role == Role.UNRECOGNIZED) {
                undeclared.add(rpc.getName());
            }
        }
        assertThat(undeclared).as("rpcs without option (taskmaster.v1.required_role)").isEmpty();
    }

    @Test
    void theDeclaredRolesAreTheDocumentedOnes() {
        Map<String, Role> declared = new LinkedHashMap<>();
        service().getMethods().forEach(rpc -> declared.put(rpc.getName(), rpc.getOptions().getExtension(AuthProto.requiredRole)));
        assertThat(declared).containsExactlyInAnyOrderEntriesOf(DOCUMENTED_ROLES);
    }

    @Test
    void theRoleOptionIsReadableByAnyClientThroughTheWireFormOfTheDescriptor() throws Exception {
        // A client without the generated extension (reflection, another language) sees the
        // option as field 50000 of MethodOptions: it must be there in the serialized descriptor.
        com.google.protobuf.DescriptorProtos.FileDescriptorProto file =
                com.google.protobuf.DescriptorProtos.FileDescriptorProto.parseFrom(TaskmasterProto.getDescriptor().toProto().toByteArray());
        var stop = file.getService(0).getMethodList().stream().filter(m -> m.getName().equals("StopProcesses")).findFirst().orElseThrow();
        var unknown = stop.getOptions().getUnknownFields().getField(AuthProto.REQUIRED_ROLE_FIELD_NUMBER);
        assertThat(unknown.getVarintList()).containsExactly((long) Role.ROLE_OPERATOR.getNumber());
        assertThat(AuthProto.REQUIRED_ROLE_FIELD_NUMBER).isBetween(50000, 99999);
    }

    @Test
    void rolesAreOrderedViewerOperatorAdmin() {
        assertThat(Role.getDescriptor().getValues()).extracting(EnumValueDescriptor::getName)
                .containsExactly("ROLE_UNSPECIFIED", "ROLE_VIEWER", "ROLE_OPERATOR", "ROLE_ADMIN");
    }

    // ---------------------------------------------------------------- comments

    private static final Pattern DECLARATION = Pattern.compile(
            "^(message|enum|service|oneof)\\s+\\w+\\s*\\{.*|^rpc\\s+\\w+\\s*\\(.*|^extend\\s+[\\w.]+\\s*\\{.*");
    private static final Pattern FIELD_OR_VALUE = Pattern.compile(
            "^(?!option\\b|syntax\\b|reserved\\b)\\S.*?\\s*=\\s*-?\\d+\\s*(\\[.*])?\\s*;.*");

    @Test
    void everyDeclarationHasALeadingComment() throws IOException {
        int declarations = 0;
        List<String> undocumented = new ArrayList<>();
        try (Stream<Path> files = Files.list(PROTO_DIR)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".proto")).sorted().toList()) {
                List<String> lines = Files.readAllLines(file);
                assertThat(lines.getFirst()).as("%s starts with a file comment", file.getFileName()).startsWith("// ");
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (line.startsWith("//")) {
                        continue;
                    }
                    if (!DECLARATION.matcher(line).matches() && !FIELD_OR_VALUE.matcher(line).matches()) {
                        continue;
                    }
                    declarations++;
                    if (!hasCommentAbove(lines, i)) {
                        undocumented.add(file.getFileName() + ":" + (i + 1) + ": " + line);
                    }
                }
            }
        }
        assertThat(undocumented).as("declarations without a leading // comment").isEmpty();
        // The text scan must have seen every declaration the compiler saw, so a
        // declaration written in an unexpected shape cannot slip past it.
        assertThat(declarations).isEqualTo(countDeclarationsInDescriptors());
    }

    private static boolean hasCommentAbove(List<String> lines, int index) {
        boolean text = false;
        for (int j = index - 1; j >= 0; j--) {
            String above = lines.get(j).strip();
            if (!above.startsWith("//")) {
                break;
            }
            text |= !above.substring(2).isBlank();
        }
        return text;
    }

    private static int countDeclarationsInDescriptors() {
        int count = 0;
        for (Descriptor m : allMessages()) {
            count += 1 + m.getFields().size() + m.getRealOneofs().size();
        }
        for (EnumDescriptor e : allEnums()) {
            count += 1 + e.getValues().size();
        }
        for (FileDescriptor f : contractFiles()) {
            for (ServiceDescriptor s : f.getServices()) {
                count += 1 + s.getMethods().size();
            }
            // An `extend X {` block (one per extended type), then its fields.
            count += (int) f.getExtensions().stream().map(x -> x.getContainingType().getFullName()).distinct().count();
            count += f.getExtensions().size();
        }
        return count;
    }

    private static String upperSnake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase();
    }

    // ---------------------------------------------------------------- wire format

    private static Duration seconds(long s) {
        return Duration.newBuilder().setSeconds(s).build();
    }

    @Test
    void programSpecSurvivesTheWireWithPresenceIntact() throws Exception {
        ProgramSpec spec = ProgramSpec.newBuilder()
                .setName("web")
                .setCmd("/usr/bin/nginx -g 'daemon off;'")
                .addAllArgv(List.of("/usr/bin/nginx", "-g", "daemon off;"))
                .setNumprocs(2)
                .setProcessName("%(program_name)s:%(process_num)d")
                .setAutostart(false)
                .setAutorestart(AutorestartPolicy.AUTORESTART_POLICY_UNEXPECTED)
                .addAllExitcodes(List.of(0, 2))
                .setStarttime(seconds(0))
                .setStartretries(-1)
                .setBackoff(BackoffSpec.newBuilder().setInitial(seconds(1)).setFactor(2.0).setMax(seconds(60)))
                .setStopsignal("QUIT")
                .setStoptime(seconds(10))
                .setStdout(OutputDestination.newBuilder().setFile(OutputToFile.newBuilder().setPath("/var/log/web.out")))
                .setStderr(OutputDestination.newBuilder().setDiscard(OutputDiscarded.getDefaultInstance()))
                .putEnv("PORT", "8080")
                .setWorkingdir("/srv/web")
                .setUmask(0)
                .setUser("www-data")
                .setPriority(10)
                .setGroup("backend")
                .setStopasgroup(true)
                .setKillasgroup(true)
                .setTty(true)
                .setLogRotation(LogRotation.newBuilder().setMaxBytes(50L << 20).setBackups(10))
                .setHealthCheck(HealthCheckSpec.newBuilder()
                        .setHttp(HttpProbe.newBuilder().setUrl("http://127.0.0.1:8080/healthz"))
                        .setInterval(seconds(10)).setTimeout(seconds(2)).setRetries(3)
                        .setStartPeriod(seconds(5))
                        .setOnUnhealthy(UnhealthyAction.UNHEALTHY_ACTION_RESTART))
                .setStartDelay(seconds(3))
                .setCron("*/5 * * * *")
                .addDependsOn(Dependency.newBuilder().setProgram("db")
                        .setCondition(DependencyCondition.DEPENDENCY_CONDITION_HEALTHY))
                .build();

        ProgramSpec back = ProgramSpec.parseFrom(spec.toByteArray());

        assertThat(back).isEqualTo(spec);
        // umask 0 (explicit) must stay distinguishable from "inherit" (absent).
        assertThat(back.hasUmask()).isTrue();
        assertThat(back.getUmask()).isZero();
        assertThat(back.hasAutostart()).isTrue();
        assertThat(back.getStdout().getDestinationCase()).isEqualTo(OutputDestination.DestinationCase.FILE);
        assertThat(back.getStderr().getDestinationCase()).isEqualTo(OutputDestination.DestinationCase.DISCARD);

        ProgramSpec minimal = ProgramSpec.parseFrom(ProgramSpec.newBuilder().setName("w").setCmd("sleep 1").build().toByteArray());
        assertThat(minimal.hasUmask()).isFalse();
        assertThat(minimal.hasAutostart()).isFalse();
        assertThat(minimal.hasStarttime()).isFalse();
        assertThat(minimal.getAutorestart()).isEqualTo(AutorestartPolicy.AUTORESTART_POLICY_UNSPECIFIED);
    }

    @Test
    void watchEventsMessagesSurviveTheWire() throws Exception {
        Timestamp now = Timestamp.newBuilder().setSeconds(1_800_000_000L).setNanos(5).build();
        ProcessInfo after = ProcessInfo.newBuilder()
                .setFullName("web:0").setName("web:0").setProgram("web").setGroup("web")
                .setState(ProcessState.PROCESS_STATE_BACKOFF)
                .setDescription("killed by SIGSEGV (core dumped)")
                .setLastExit(ExitInfo.newBuilder()
                        .setKilled(KilledBySignal.newBuilder().setSignalNumber(11).setSignalName("SEGV").setCoreDumped(true))
                        .setPid(4242).setTime(now).setRunTime(seconds(3)))
                .setNextStartTime(now)
                .build();
        WatchEventsResponse event = WatchEventsResponse.newBuilder().setEvent(Event.newBuilder()
                .setSequence(Long.parseUnsignedLong("18446744073709551615")) // uint64 max
                .setTime(now)
                .setProcessStateChanged(ProcessStateChanged.newBuilder()
                        .setFromState(ProcessState.PROCESS_STATE_STARTING)
                        .setToState(ProcessState.PROCESS_STATE_BACKOFF)
                        .setReason("exited too quickly")
                        .setExit(after.getLastExit())
                        .setProcess(after)))
                .build();
        WatchEventsResponse missed = WatchEventsResponse.newBuilder().setEventsMissed(EventsMissed.newBuilder()
                .setReason(EventsMissedReason.EVENTS_MISSED_REASON_HISTORY_TRUNCATED)
                .setRequestedSequence(10).setOldestAvailableSequence(500).setJournalId("j1"))
                .build();
        WatchEventsResponse snapshot = WatchEventsResponse.newBuilder().setSnapshot(Snapshot.newBuilder()
                .setJournalId("j1").setSequence(777).setTime(now).addProcesses(after))
                .build();

        for (WatchEventsResponse message : List.of(event, missed, snapshot)) {
            assertThat(WatchEventsResponse.parseFrom(message.toByteArray())).isEqualTo(message);
        }
        WatchEventsResponse back = WatchEventsResponse.parseFrom(event.toByteArray());
        assertThat(back.getKindCase()).isEqualTo(WatchEventsResponse.KindCase.EVENT);
        assertThat(back.getEvent().getPayloadCase()).isEqualTo(Event.PayloadCase.PROCESS_STATE_CHANGED);
        assertThat(Long.toUnsignedString(back.getEvent().getSequence())).isEqualTo("18446744073709551615");
        assertThat(back.getEvent().getProcessStateChanged().getExit().getOutcomeCase())
                .isEqualTo(ExitInfo.OutcomeCase.KILLED);
    }

    // ---------------------------------------------------------------- generated stubs

    @Test
    void aServerImplementingOneRpcAnswersUnimplementedForTheOthers() throws Exception {
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new TaskmasterServiceGrpc.TaskmasterServiceImplBase() {
                    @Override
                    public void getServerInfo(GetServerInfoRequest request,
                                              StreamObserver<GetServerInfoResponse> response) {
                        response.onNext(GetServerInfoResponse.newBuilder()
                                .setVersion("0.1.0").setPid(1234).setInstanceName("default")
                                .setCallerRole(Role.ROLE_ADMIN).build());
                        response.onCompleted();
                    }
                })
                .build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
            var stub = TaskmasterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);

            GetServerInfoResponse info = stub.getServerInfo(GetServerInfoRequest.getDefaultInstance());
            assertThat(info.getVersion()).isEqualTo("0.1.0");
            assertThat(info.getPid()).isEqualTo(1234);
            assertThat(info.getCallerRole()).isEqualTo(Role.ROLE_ADMIN);

            assertThatThrownBy(() -> stub.startProcesses(StartProcessesRequest.newBuilder().addTargets("all").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
            assertThatThrownBy(() -> stub.watchEvents(WatchEventsRequest.getDefaultInstance()).hasNext())
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
            assertThat(channel.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(server.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
