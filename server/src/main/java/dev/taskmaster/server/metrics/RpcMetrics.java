package dev.taskmaster.server.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Every API call, timed from its start to its status, by service, method and status code (a
 * histogram, whose {@code _count} is the calls), and the streaming calls open now. The first
 * interceptor of the chain, so a call the role check refuses is counted with its
 * PERMISSION_DENIED. Labels are bounded: methods are the services' own (unknown ones never
 * reach an interceptor), codes are gRPC's 17.
 *
 * <p>Threading: gRPC calls it from its threads; the metrics are thread-safe.
 */
public final class RpcMetrics implements ServerInterceptor {

    private final Histogram duration;
    private final Gauge streams;

    public RpcMetrics(PrometheusRegistry registry) {
        duration = Histogram.builder().name("taskmaster_rpc_duration_seconds").unit(Unit.SECONDS)
                .help("API calls, from start to status, by service, method and gRPC status code")
                .labelNames("service", "method", "code").classicOnly()
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
                .register(registry);
        streams = Gauge.builder().name("taskmaster_rpc_streams_open")
                .help("Streaming API calls in progress (watch, attach, tail -f...), by service and method")
                .labelNames("service", "method").register(registry);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        MethodDescriptor<Q, R> m = call.getMethodDescriptor();
        String service = String.valueOf(m.getServiceName());
        String method = String.valueOf(m.getBareMethodName());
        boolean streaming = m.getType() != MethodDescriptor.MethodType.UNARY;
        long start = System.nanoTime();
        AtomicBoolean ended = new AtomicBoolean();
        if (streaming) {
            streams.labelValues(service, method).inc();
        }
        java.util.function.Consumer<Status.Code> end = code -> {
            if (ended.compareAndSet(false, true)) {
                duration.labelValues(service, method, code.name()).observe((System.nanoTime() - start) / 1e9);
                if (streaming) {
                    streams.labelValues(service, method).dec();
                }
            }
        };
        ServerCall<Q, R> timed = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                end.accept(status.getCode());
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(timed, headers);
        } catch (RuntimeException | Error e) {
            end.accept(Status.Code.UNKNOWN);
            throw e;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                end.accept(Status.Code.CANCELLED);
                super.onCancel();
            }

            @Override
            public void onComplete() {
                end.accept(Status.Code.OK); // closed already, normally: this only ends a count left open
                super.onComplete();
            }
        };
    }
}
