package dev.taskmaster.server.api;

import dev.taskmaster.config.HealthCheck;
import dev.taskmaster.proto.v1.CommandProbe;
import dev.taskmaster.proto.v1.HealthCheckSpec;
import dev.taskmaster.proto.v1.HeartbeatProbe;
import dev.taskmaster.proto.v1.HttpProbe;
import dev.taskmaster.proto.v1.TcpProbe;
import dev.taskmaster.proto.v1.UnhealthyAction;
import dev.taskmaster.server.engine.health.HealthSnapshot;
import dev.taskmaster.server.engine.health.HealthStatus;
import java.math.BigDecimal;
import java.util.function.BiConsumer;

/**
 * Health checks and health status between the engine's types and the contract's: the spec both
 * ways (a request's spec becomes YAML the config loader validates, as every other key), the
 * status one way. Stateless; any thread.
 */
final class HealthProtos {

    private HealthProtos() {
    }

    static HealthCheckSpec toProto(HealthCheck c) {
        HealthCheckSpec.Builder b = HealthCheckSpec.newBuilder().setInterval(Protos.duration(c.interval()))
                .setTimeout(Protos.duration(c.timeout())).setRetries(c.retries())
                .setStartPeriod(Protos.duration(c.startPeriod()))
                .setOnUnhealthy(c.onUnhealthy() == HealthCheck.UnhealthyAction.RESTART
                        ? UnhealthyAction.UNHEALTHY_ACTION_RESTART : UnhealthyAction.UNHEALTHY_ACTION_NONE);
        switch (c.probe()) {
            case HealthCheck.Heartbeat h -> b.setHeartbeat(HeartbeatProbe.newBuilder().setPath(h.file())
                    .setMaxAge(Protos.duration(h.maxAge())));
            case HealthCheck.Command cmd -> b.setCommand(CommandProbe.newBuilder().setCmd(cmd.cmd()));
            case HealthCheck.Tcp t -> b.setTcp(TcpProbe.newBuilder().setHost(t.host()).setPort(t.port()));
            case HealthCheck.Http h -> b.setHttp(HttpProbe.newBuilder().setUrl(h.url().toString()));
        }
        return b.build();
    }

    /**
     * The {@code health_check:} mapping of {@code spec}, in YAML, for the config loader to validate;
     * {@code quote} makes a literal YAML string, {@code problems} gets what YAML cannot say.
     */
    static String toYaml(HealthCheckSpec spec, java.util.function.UnaryOperator<String> quote, String path,
            BiConsumer<String, String> problems) {
        StringBuilder y = new StringBuilder("health_check:\n");
        switch (spec.getProbeCase()) {
            case HEARTBEAT -> {
                y.append("  heartbeat_file: ").append(quote.apply(spec.getHeartbeat().getPath())).append('\n');
                if (spec.getHeartbeat().hasMaxAge()) {
                    y.append("  max_age: ").append(seconds(spec.getHeartbeat().getMaxAge())).append('\n');
                }
            }
            case COMMAND -> y.append("  cmd: ").append(quote.apply(spec.getCommand().getCmd())).append('\n');
            case TCP -> {
                String host = spec.getTcp().getHost().isEmpty() ? "127.0.0.1" : spec.getTcp().getHost();
                y.append("  tcp: ").append(quote.apply((host.contains(":") ? "[" + host + "]" : host) + ":"
                        + spec.getTcp().getPort())).append('\n');
            }
            case HTTP -> y.append("  http: ").append(quote.apply(spec.getHttp().getUrl())).append('\n');
            case PROBE_NOT_SET -> { } // the loader says that one kind is needed, as for a file
        }
        if (spec.hasInterval()) {
            y.append("  interval: ").append(seconds(spec.getInterval())).append('\n');
        }
        if (spec.hasTimeout()) {
            y.append("  timeout: ").append(seconds(spec.getTimeout())).append('\n');
        }
        if (spec.hasRetries()) {
            y.append("  retries: ").append(spec.getRetries()).append('\n');
        }
        if (spec.hasStartPeriod()) {
            y.append("  start_period: ").append(seconds(spec.getStartPeriod())).append('\n');
        }
        switch (spec.getOnUnhealthy()) {
            case UNHEALTHY_ACTION_RESTART -> y.append("  on_unhealthy: restart\n");
            case UNHEALTHY_ACTION_NONE -> y.append("  on_unhealthy: none\n");
            case UNHEALTHY_ACTION_UNSPECIFIED -> { }
            case UNRECOGNIZED -> problems.accept(path + "health_check.on_unhealthy",
                    "expected UNHEALTHY_ACTION_NONE or UNHEALTHY_ACTION_RESTART, found " + spec.getOnUnhealthyValue());
        }
        return y.toString();
    }

    static dev.taskmaster.proto.v1.HealthStatus status(HealthStatus s) {
        return switch (s) {
            case STARTING -> dev.taskmaster.proto.v1.HealthStatus.HEALTH_STATUS_STARTING;
            case HEALTHY -> dev.taskmaster.proto.v1.HealthStatus.HEALTH_STATUS_HEALTHY;
            case UNHEALTHY -> dev.taskmaster.proto.v1.HealthStatus.HEALTH_STATUS_UNHEALTHY;
            case INACTIVE -> dev.taskmaster.proto.v1.HealthStatus.HEALTH_STATUS_INACTIVE;
        };
    }

    static dev.taskmaster.proto.v1.HealthInfo info(HealthSnapshot h) {
        dev.taskmaster.proto.v1.HealthInfo.Builder b = dev.taskmaster.proto.v1.HealthInfo.newBuilder()
                .setStatus(status(h.status())).setStatusChangeTime(Protos.timestamp(h.since()))
                .setLastProbeOutput(h.lastOutput()).setConsecutiveFailures(h.consecutiveFailures());
        h.lastProbe().ifPresent(t -> b.setLastProbeTime(Protos.timestamp(t)));
        return b.build();
    }

    private static String seconds(com.google.protobuf.Duration d) {
        return BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNanos(), 9)).stripTrailingZeros().toPlainString();
    }
}
