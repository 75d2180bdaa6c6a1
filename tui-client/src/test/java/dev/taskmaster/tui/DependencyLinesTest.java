package dev.taskmaster.tui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.DependencyCondition;
import dev.taskmaster.proto.v1.DependencyStatus;
import dev.taskmaster.proto.v1.HealthInfo;
import dev.taskmaster.proto.v1.HealthStatus;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The details view says what a process waits for, and judges each dependency from the live rows. */
class DependencyLinesTest {

    private static Row row(String daemon, ProcessInfo info) {
        return new Row(new ProcKey(daemon, info.getFullName()), info);
    }

    private static ProcessInfo web() {
        return P.proc("web", "web", ProcessState.PROCESS_STATE_SCHEDULED)
                .setDescription("waiting for db to be healthy; waiting for migrate to complete successfully")
                .addDependencies(DependencyStatus.newBuilder().setProgram("db")
                        .setCondition(DependencyCondition.DEPENDENCY_CONDITION_HEALTHY).setSatisfied(false))
                .addDependencies(DependencyStatus.newBuilder().setProgram("migrate")
                        .setCondition(DependencyCondition.DEPENDENCY_CONDITION_COMPLETED_SUCCESSFULLY).setSatisfied(false))
                .build();
    }

    private static ProcessInfo db(String name, HealthStatus health) {
        return P.proc(name, "db", ProcessState.PROCESS_STATE_RUNNING).setProgram("db")
                .setHealth(HealthInfo.newBuilder().setStatus(health)).build();
    }

    @Test
    void aWaitingProcessShowsWhatItWaitsForAndEachDependencyAsItIsNow() {
        Row web = row("default", web());
        List<Row> all = List.of(web, row("default", db("db:0", HealthStatus.HEALTH_STATUS_HEALTHY)),
                row("default", db("db:1", HealthStatus.HEALTH_STATUS_STARTING)),
                // Another daemon's db is not this web's.
                row("other", db("db", HealthStatus.HEALTH_STATUS_HEALTHY)));
        List<String> lines = Controller.detailLines(web, List.of(), ZoneOffset.UTC, java.time.Instant.now(), all);
        assertThat(lines).containsSubsequence(
                "waiting:      waiting for db to be healthy; waiting for migrate to complete successfully",
                "depends on:",
                "  db healthy: not met (db:0 RUNNING HEALTHY, db:1 RUNNING STARTING)",
                "  migrate completed_successfully: not met");
    }

    @Test
    void aDependencyIsMetOnceEveryInstanceMeetsIt() {
        Row web = row("default", web());
        List<Row> all = List.of(web, row("default", db("db:0", HealthStatus.HEALTH_STATUS_HEALTHY)),
                row("default", db("db:1", HealthStatus.HEALTH_STATUS_HEALTHY)));
        assertThat(DependencyLines.of(web, all)).contains("  db healthy: met (db:0 RUNNING HEALTHY, db:1 RUNNING HEALTHY)");
    }

    @Test
    void aProcessWithoutDependenciesHasNoSuchLines() {
        Row db = row("default", db("db", HealthStatus.HEALTH_STATUS_HEALTHY));
        assertThat(DependencyLines.of(db, List.of(db))).isEmpty();
    }
}
