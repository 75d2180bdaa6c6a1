package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.taskmaster.proto.v1.DependencyCondition;
import dev.taskmaster.proto.v1.DependencyStatus;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.ExitInfo;
import dev.taskmaster.proto.v1.ExitStatusUnknown;
import dev.taskmaster.proto.v1.ExitedWithCode;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.HealthInfo;
import dev.taskmaster.proto.v1.HealthStatus;
import dev.taskmaster.proto.v1.KilledBySignal;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.LogWriting;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ProgramSpec;
import dev.taskmaster.proto.v1.ResourceUsage;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.SpawnFailure;
import dev.taskmaster.proto.v1.TailOutputResponse;
import dev.taskmaster.proto.v1.TaskmasterProto;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The {@code --json} printer against the rules of docs/cli.md ("JSON output"): the same keys in
 * every state, null for what is unset, each value of its documented JSON type, and nothing lost
 * (every line is read back, by {@link JsonShape}, into the message it came from).
 */
class JsonTest {

    private static final Timestamp T0 = Fixtures.T0; // 2026-11-18T11:06:40Z
    private static final Timestamp T1 = Timestamp.newBuilder().setSeconds(1_795_000_062L).setNanos(250_000_000).build();

    /** One process in each state a script meets, from as bare as the daemon sends to fully described. */
    private static Map<String, ProcessInfo> processesInEveryState() {
        Map<String, ProcessInfo> p = new LinkedHashMap<>();
        ProcessInfo.Builder base = ProcessInfo.newBuilder().setFullName("web:0").setName("web:0").setProgram("web").setGroup("web")
                .setStdoutLogPath("/var/log/web.log");
        p.put("STOPPED, never started", base.clone().setState(ProcessState.PROCESS_STATE_STOPPED).setStateChangeTime(T0).build());
        p.put("STARTING, no exit yet", base.clone().setState(ProcessState.PROCESS_STATE_STARTING).setStateChangeTime(T0)
                .setPid(1234).setStartTime(T0).build());
        p.put("RUNNING, with health, usage and dependencies", base.clone().setState(ProcessState.PROCESS_STATE_RUNNING)
                .setStateChangeTime(T0).setPid(1234).setStartTime(T0).setUptime(Duration.newBuilder().setSeconds(62).setNanos(250_000_000))
                .setHealth(HealthInfo.newBuilder().setStatus(HealthStatus.HEALTH_STATUS_HEALTHY).setStatusChangeTime(T1))
                .setUsage(ResourceUsage.newBuilder().setCpuPercent(12.5).setRssBytes(52_428_800)
                        .setCpuTime(Duration.newBuilder().setSeconds(3)).setSampleTime(T1))
                .addDependencies(DependencyStatus.newBuilder().setProgram("db").setCondition(DependencyCondition.DEPENDENCY_CONDITION_HEALTHY)
                        .setSatisfied(true))
                .setLogWriting(LogWriting.newBuilder().setStalls(2).setBytesDropped(4096).setTimeBlocked(Duration.newBuilder().setNanos(1_000)))
                .build());
        p.put("EXITED with a code", base.clone().setState(ProcessState.PROCESS_STATE_EXITED).setStateChangeTime(T1).setRestartCount(1)
                .setLastExit(ExitInfo.newBuilder().setExited(ExitedWithCode.newBuilder().setCode(1)).setPid(1234).setTime(T1)
                        .setRunTime(Duration.newBuilder().setSeconds(62).setNanos(250_000_000)))
                .build());
        p.put("BACKOFF, killed by a signal", base.clone().setState(ProcessState.PROCESS_STATE_BACKOFF).setStateChangeTime(T1)
                .setNextStartTime(T1).setStartFailures(1)
                .setLastExit(ExitInfo.newBuilder().setKilled(KilledBySignal.newBuilder().setSignalNumber(9).setSignalName("KILL")
                        .setCoreDumped(true)).setPid(1234).setTime(T1))
                .build());
        p.put("FATAL, could not spawn", base.clone().setState(ProcessState.PROCESS_STATE_FATAL).setStateChangeTime(T1).setStartFailures(3)
                .setSpawnError("cannot execute /usr/bin/web: permission denied (EACCES)")
                .setLastExit(ExitInfo.newBuilder().setSpawnFailed(SpawnFailure.newBuilder()
                        .setReason("cannot execute /usr/bin/web: permission denied (EACCES)").setErrnoName("EACCES")).setTime(T1))
                .build());
        p.put("UNKNOWN, adopted, exit status unknown", base.clone().setState(ProcessState.PROCESS_STATE_UNKNOWN).setAdopted(true)
                .setLastExit(ExitInfo.newBuilder().setUnknown(ExitStatusUnknown.getDefaultInstance()).setPid(77)).build());
        return p;
    }

    @Test
    void aProcessHasTheSameKeysInEveryStateAndReadsBackWhole() {
        Set<String> keys = null;
        Set<String> exitKeys = null;
        for (Map.Entry<String, ProcessInfo> e : processesInEveryState().entrySet()) {
            String line = Json.text(e.getValue());
            JsonObject o = JsonShape.object(line);
            if (keys == null) {
                keys = o.keySet();
            }
            assertThat(o.keySet()).as(e.getKey()).isEqualTo(keys).hasSize(ProcessInfo.getDescriptor().getFields().size());
            if (o.get("lastExit").isJsonObject()) {
                Set<String> k = o.getAsJsonObject("lastExit").keySet();
                exitKeys = exitKeys == null ? k : exitKeys;
                assertThat(k).as(e.getKey()).isEqualTo(exitKeys).contains("exited", "killed", "spawnFailed", "unknown");
            }
            assertThat(JsonShape.<ProcessInfo>read(line, ProcessInfo.newBuilder())).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void whatAScriptReadsInEachState() {
        Map<String, JsonObject> o = new LinkedHashMap<>();
        processesInEveryState().forEach((state, p) -> o.put(state, JsonShape.object(Json.text(p))));

        JsonObject starting = o.get("STARTING, no exit yet");
        assertThat(starting.get("state").getAsString()).isEqualTo("STARTING");
        assertThat(starting.get("pid").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(starting.get("pid").getAsInt()).isEqualTo(1234);
        assertThat(starting.get("lastExit").isJsonNull()).as("no exit has happened: null, not absent").isTrue();
        assertThat(starting.get("uptime").isJsonNull()).isTrue();
        assertThat(starting.get("startTime").getAsString()).isEqualTo("2026-11-18T11:06:40Z");

        JsonObject running = o.get("RUNNING, with health, usage and dependencies");
        assertThat(JsonShape.primitive(running, "uptime").isNumber()).isTrue();
        assertThat(JsonShape.primitive(running, "uptime").getAsBigDecimal()).isEqualByComparingTo("62.25");
        assertThat(JsonShape.primitive(running, "usage", "rssBytes").isNumber()).as("an int64 that fits is a number").isTrue();
        assertThat(JsonShape.primitive(running, "usage", "rssBytes").getAsLong()).isEqualTo(52_428_800L);
        assertThat(JsonShape.primitive(running, "usage", "cpuPercent").getAsDouble()).isEqualTo(12.5);
        assertThat(JsonShape.primitive(running, "health", "status").getAsString()).isEqualTo("HEALTHY");
        assertThat(JsonShape.at(running, "health", "lastProbeTime").isJsonNull()).isTrue();
        assertThat(JsonShape.primitive(running, "dependencies", 0, "condition").getAsString()).isEqualTo("HEALTHY");
        assertThat(JsonShape.primitive(running, "logWriting", "timeBlocked").getAsString()).isEqualTo("0.000001");

        JsonObject exited = o.get("EXITED with a code");
        assertThat(JsonShape.primitive(exited, "lastExit", "exited", "code").isNumber()).isTrue();
        assertThat(JsonShape.primitive(exited, "lastExit", "exited", "code").getAsInt()).isEqualTo(1);
        assertThat(JsonShape.at(exited, "lastExit", "killed").isJsonNull()).as("the other outcomes are null").isTrue();
        assertThat(JsonShape.at(exited, "lastExit", "spawnFailed").isJsonNull()).isTrue();
        assertThat(JsonShape.primitive(exited, "lastExit", "runTime").getAsString()).isEqualTo("62.25");
        assertThat(JsonShape.primitive(exited, "lastExit", "time").getAsString()).isEqualTo("2026-11-18T11:07:42.250Z");

        JsonObject killed = o.get("BACKOFF, killed by a signal");
        assertThat(JsonShape.at(killed, "lastExit", "exited").isJsonNull()).isTrue();
        assertThat(JsonShape.primitive(killed, "lastExit", "killed", "signalName").getAsString()).isEqualTo("KILL");
        assertThat(JsonShape.primitive(killed, "lastExit", "killed", "coreDumped").getAsBoolean()).isTrue();
        assertThat(JsonShape.at(killed, "lastExit", "runTime").isJsonNull()).isTrue();

        JsonObject fatal = o.get("FATAL, could not spawn");
        assertThat(fatal.get("state").getAsString()).isEqualTo("FATAL");
        assertThat(fatal.get("pid").getAsInt()).as("a field without presence keeps its default").isZero();
        assertThat(JsonShape.primitive(fatal, "lastExit", "spawnFailed", "errnoName").getAsString()).isEqualTo("EACCES");
        assertThat(JsonShape.at(fatal, "lastExit", "exited").isJsonNull()).isTrue();

        JsonObject unknown = o.get("UNKNOWN, adopted, exit status unknown");
        assertThat(JsonShape.at(unknown, "lastExit", "unknown").isJsonObject()).as("an empty message that is set is {}").isTrue();
        assertThat(JsonShape.at(unknown, "lastExit", "unknown").getAsJsonObject().keySet()).isEmpty();
    }

    @Test
    void theWholeLineOfAStartingProcess() {
        ProcessInfo starting = processesInEveryState().get("STARTING, no exit yet");

        assertThat(Json.text(starting)).isEqualTo("{\"fullName\":\"web:0\",\"name\":\"web:0\",\"program\":\"web\",\"group\":\"web\","
                + "\"instanceIndex\":0,\"state\":\"STARTING\",\"stateChangeTime\":\"2026-11-18T11:06:40Z\",\"description\":\"\","
                + "\"pid\":1234,\"startTime\":\"2026-11-18T11:06:40Z\",\"uptime\":null,\"restartCount\":0,\"startFailures\":0,"
                + "\"lastExit\":null,\"spawnError\":\"\",\"health\":null,\"usage\":null,\"nextStartTime\":null,\"adopted\":false,"
                + "\"dependencies\":[],\"stdoutLogPath\":\"/var/log/web.log\",\"stderrLogPath\":\"\",\"logWriting\":null,"
                + "\"leftoverProcesses\":0}");
    }

    @Test
    void everyKindOfEventHasTheSameKeysAndOnePayload() {
        OneofDescriptor payload = Event.getDescriptor().getOneofs().getFirst();
        assertThat(payload.getName()).isEqualTo("payload");
        Set<String> keys = null;
        Set<String> kinds = new LinkedHashSet<>();
        for (FieldDescriptor kind : payload.getFields()) {
            for (int variant = 0; variant < 2; variant++) {
                Event.Builder e = Event.newBuilder().setSequence(7).setTime(T1);
                e.setField(kind, variant == 0 ? Samples.empty(kind.getMessageType()) : Samples.full(kind.getMessageType(), variant));
                WatchEventsResponse sent = WatchEventsResponse.newBuilder().setEvent(e).build();
                String line = Json.text(sent);
                JsonObject event = JsonShape.object(line).getAsJsonObject("event");
                keys = keys == null ? event.keySet() : keys;
                assertThat(event.keySet()).as(kind.getName()).isEqualTo(keys);
                List<String> set = new ArrayList<>();
                for (FieldDescriptor member : payload.getFields()) {
                    if (!event.get(member.getJsonName()).isJsonNull()) {
                        set.add(member.getJsonName());
                    }
                }
                assertThat(set).as("only the event's own payload is set").containsExactly(kind.getJsonName());
                kinds.add(kind.getJsonName());
                assertThat(JsonShape.<WatchEventsResponse>read(line, WatchEventsResponse.newBuilder())).isEqualTo(sent);
            }
        }
        assertThat(kinds).as("every kind of events.proto").containsExactly("processStateChanged", "processSpawnFailed", "healthChanged",
                "outputLost", "configReloaded", "programAdded", "programUpdated", "programRemoved", "daemonStarted",
                "daemonShuttingDown", "logWritingStopped", "logWritingResumed", "scheduledStartSkipped", "notificationFailed");
    }

    @Test
    void everyMessageOfTheContractReadsBackBareFullAndWithEachOneofMember() {
        int messages = 0;
        for (Descriptor type : allMessages(TaskmasterProto.getDescriptor(), new LinkedHashSet<>())) {
            int variants = 1;
            for (OneofDescriptor o : type.getOneofs()) {
                variants = Math.max(variants, o.getFieldCount());
            }
            List<Message> samples = new ArrayList<>();
            samples.add(Samples.empty(type));
            for (int v = 0; v < Math.max(variants, 2); v++) {
                samples.add(Samples.full(type, v));
            }
            for (Message sent : samples) {
                String line = Json.text(sent);
                Message read = JsonShape.read(line, DynamicMessage.newBuilder(type));
                assertThat(read).as("%s: %s", type.getFullName(), line).isEqualTo(DynamicMessage.newBuilder(sent).build());
            }
            messages++;
        }
        assertThat(messages).as("every message of taskmaster.v1 and google.rpc").isGreaterThan(80);
    }

    private static Set<Descriptor> allMessages(FileDescriptor file, Set<FileDescriptor> seen) {
        Set<Descriptor> all = new LinkedHashSet<>();
        if (!seen.add(file)) {
            return all;
        }
        if (file.getPackage().equals("google.protobuf")) {
            return all; // Timestamp and Duration are values, never a whole line; Any is reached through google.rpc.Status
        }
        for (Descriptor d : file.getMessageTypes()) {
            collect(d, all);
        }
        for (FileDescriptor dep : file.getDependencies()) {
            all.addAll(allMessages(dep, seen));
        }
        return all;
    }

    private static void collect(Descriptor d, Set<Descriptor> all) {
        if (!d.getOptions().getMapEntry() && all.add(d)) {
            d.getNestedTypes().forEach(n -> collect(n, all));
        }
    }

    @Test
    void sixtyFourBitIntegersAreNumbersWhileExactInADouble() {
        long max = (1L << 53) - 1;
        assertThat(Json.text(TailOutputResponse.newBuilder().setOffset(max).setNextOffset(max + 1).setBytesLost(-max).build()))
                .isEqualTo("{\"data\":\"\",\"offset\":9007199254740991,\"nextOffset\":\"9007199254740992\",\"bytesLost\":-9007199254740991}");
        assertThat(Json.text(TailOutputResponse.newBuilder().setOffset(-max - 1).setNextOffset(Long.MIN_VALUE).build()))
                .startsWith("{\"data\":\"\",\"offset\":\"-9007199254740992\",\"nextOffset\":\"-9223372036854775808\",");
        assertThat(Json.text(ListProcessesResponse.newBuilder().setSequence(-1L).build()))
                .as("uint64 read unsigned").isEqualTo("{\"processes\":[],\"journalId\":\"\",\"sequence\":\"18446744073709551615\"}");
        assertThat(Json.text(ListProcessesResponse.newBuilder().setSequence(42).setJournalId("j1").build()))
                .isEqualTo("{\"processes\":[],\"journalId\":\"j1\",\"sequence\":42}");
    }

    @Test
    void enumsLoseTheirPrefixAndAnUnknownValueIsItsNumber() {
        assertThat(Json.text(GetServerInfoResponse.newBuilder().setCallerRole(Role.ROLE_ADMIN).build())).contains("\"callerRole\":\"ADMIN\"");
        assertThat(Json.text(GetServerInfoResponse.getDefaultInstance())).contains("\"callerRole\":\"UNSPECIFIED\"");
        assertThat(Json.text(ProcessInfo.newBuilder().setStateValue(99).build())).as("a newer daemon's state")
                .contains("\"state\":\"99\"");
        assertThat(Json.upperSnake("ProcessState")).isEqualTo("PROCESS_STATE");
        assertThat(Json.upperSnake("EventsMissedReason")).isEqualTo("EVENTS_MISSED_REASON");
        assertThat(Json.upperSnake("HTTPProbe")).isEqualTo("HTTP_PROBE");
        assertThat(Json.upperSnake("Role")).isEqualTo("ROLE");
        // An enum whose values do not all carry the prefix keeps its names whole (here NULL_VALUE, whose prefix would be NULL_VALUE_).
        assertThat(Json.enumName(com.google.protobuf.NullValue.NULL_VALUE.getValueDescriptor())).isEqualTo("NULL_VALUE");
    }

    @Test
    void timesDurationsBytesDoublesMapsAndOptionals() {
        ProcessInfo p = ProcessInfo.newBuilder().setStartTime(Timestamp.newBuilder().setSeconds(1_795_000_000L).setNanos(123_456_789))
                .setStateChangeTime(Timestamp.newBuilder().setSeconds(1_795_000_000L).setNanos(120_000_000))
                .setUptime(Duration.newBuilder().setSeconds(3600))
                .setUsage(ResourceUsage.newBuilder().setCpuPercent(Double.NaN).setCpuTime(Duration.newBuilder().setSeconds(-1).setNanos(-500_000_000)))
                .build();
        JsonObject o = JsonShape.object(Json.text(p));
        assertThat(o.get("startTime").getAsString()).isEqualTo("2026-11-18T11:06:40.123456789Z");
        assertThat(o.get("stateChangeTime").getAsString()).isEqualTo("2026-11-18T11:06:40.120Z");
        assertThat(o.get("uptime").toString()).isEqualTo("3600");
        assertThat(JsonShape.at(o, "usage", "cpuTime").toString()).isEqualTo("-1.5");
        assertThat(JsonShape.at(o, "usage", "cpuPercent").isJsonNull()).as("NaN has no JSON number").isTrue();

        assertThat(Json.text(TailOutputResponse.newBuilder().setData(ByteString.copyFrom(new byte[] {'h', 'i', '\n', 0, (byte) 0xff})).build()))
                .startsWith("{\"data\":\"aGkKAP8=\",");

        ProgramSpec spec = ProgramSpec.newBuilder().setName("web").putEnv("B", "2").putEnv("A", "1").setNumprocs(0).build();
        JsonObject s = JsonShape.object(Json.text(spec));
        assertThat(s.get("env").toString()).as("a map is an object, its keys sorted").isEqualTo("{\"A\":\"1\",\"B\":\"2\"}");
        assertThat(s.get("numprocs").toString()).as("an optional that is set, even to 0").isEqualTo("0");
        assertThat(s.get("autostart").isJsonNull()).as("an optional that is not set").isTrue();
        assertThat(s.get("argv").toString()).isEqualTo("[]");
        assertThat(s.get("stdout").isJsonNull()).isTrue();
        assertThat(JsonShape.<ProgramSpec>read(Json.text(spec), ProgramSpec.newBuilder())).isEqualTo(spec);
    }

    @Test
    void stringsAreEscapedForJsonAndForJavaScript() {
        String nasty = "a\"b\\c\n\t\u0001\u007f\u2028é𝄞";
        String line = Json.text(ProcessInfo.newBuilder().setFullName(nasty).build());
        assertThat(line).contains("\"fullName\":\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\\u2028é𝄞\"");
        JsonElement back = JsonShape.at(JsonShape.parse(line), "fullName");
        assertThat(back.getAsString()).isEqualTo(nasty);
    }
}
