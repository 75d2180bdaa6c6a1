package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.StartProcessesResponse;
import org.junit.jupiter.api.Test;

/** --json prints the documented shape (docs/cli.md, "JSON output"), which reads back to exactly what the daemon sent. */
class JsonOutputTest extends CtlTest {

    @Test
    void statusJsonParsesBackToTheResponse() throws Exception {
        ListProcessesResponse sent = ListProcessesResponse.newBuilder()
                .addProcesses(Fixtures.running("web:0", 1234, 62))
                .addProcesses(Fixtures.fatal("web:1", "boom", 2))
                .setJournalId("j1").setSequence(42).build();
        daemon.answer("ListProcesses", sent);

        Result r = run("status", "--json");

        assertThat(r.outLines()).hasSize(1);
        assertThat(parse(r.out(), ListProcessesResponse.newBuilder())).isEqualTo(sent);
        assertThat(r.out()).as("defaults are printed, so scripts need not test for absence").contains("\"restartCount\":0");
        assertThat(r.out()).as("unset messages are null, not absent").contains("\"lastExit\":null");
        assertThat(JsonShape.primitive(JsonShape.parse(r.out().strip()), "processes", 1, "state").getAsString()).isEqualTo("FATAL");
        assertThat(JsonShape.primitive(JsonShape.parse(r.out().strip()), "sequence").isNumber()).isTrue();
        assertThat(r.exit()).as("the exit code does not depend on the format").isEqualTo(3);
    }

    @Test
    void infoJsonParsesBack() throws Exception {
        GetServerInfoResponse sent = GetServerInfoResponse.newBuilder().setVersion("0.1.0").setPid(77).setInstanceName("default")
                .setCallerRole(Role.ROLE_ADMIN).addTcpAddresses("127.0.0.1:7000").build();
        daemon.answer("GetServerInfo", sent);

        Result r = run("info", "--json");

        assertThat(parse(r.out(), GetServerInfoResponse.newBuilder())).isEqualTo(sent);
        assertThat(r.out()).contains("\"callerRole\":\"ADMIN\"", "\"pid\":77", "\"startTime\":null");
        assertThat(r.exit()).isZero();
    }

    @Test
    void commandResponsesToo() throws Exception {
        StartProcessesResponse sent = StartProcessesResponse.newBuilder()
                .addResults(Fixtures.ok(Fixtures.running("web", 5, 0), true)).build();
        daemon.answer("StartProcesses", sent);

        Result r = run("start", "web", "--json");

        assertThat(parse(r.out(), StartProcessesResponse.newBuilder())).isEqualTo(sent);
    }

    @Test
    void pidJsonIsOneObjectPerLine() {
        daemon.answer("GetServerInfo", GetServerInfoResponse.newBuilder().setPid(77).build());
        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder()
                .addProcesses(Fixtures.running("web:0", 10, 1)).addProcesses(Fixtures.fatal("web:\"1\"", "x", 0)).build());

        assertThat(run("pid", "--json").out()).isEqualTo("{\"pid\":77}\n");
        assertThat(run("pid", "web", "--json").outLines())
                .containsExactly("{\"fullName\":\"web:0\",\"pid\":10}", "{\"fullName\":\"web:\\\"1\\\"\",\"pid\":0}");
    }

    static <B extends Message.Builder> Message parse(String json, B builder) {
        return JsonShape.read(json.strip(), builder);
    }
}
