package dev.taskmaster.server.api;

import dev.taskmaster.proto.v1.NotificationTestResult;
import dev.taskmaster.proto.v1.TestNotificationRequest;
import dev.taskmaster.proto.v1.TestNotificationResponse;
import dev.taskmaster.server.notify.Notifier;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** TestNotification: a test message through the notify rules, answered when every one was tried. Stateless. */
final class NotificationTests {

    private NotificationTests() {
    }

    static void answer(DaemonControl control, TestNotificationRequest r, StreamObserver<TestNotificationResponse> response) {
        Optional<String> rule = r.getRule().isBlank() ? Optional.empty() : Optional.of(r.getRule().strip());
        CompletableFuture<List<Notifier.TestResult>> results;
        try {
            results = control.testNotification(rule);
        } catch (IllegalArgumentException e) {
            response.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        results.whenComplete((done, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error;
                response.onError((cause instanceof IllegalArgumentException ? Status.NOT_FOUND : Status.INTERNAL)
                        .withDescription(String.valueOf(cause.getMessage())).asRuntimeException());
                return;
            }
            TestNotificationResponse.Builder b = TestNotificationResponse.newBuilder();
            for (Notifier.TestResult t : done) {
                b.addResults(NotificationTestResult.newBuilder().setRule(t.rule()).setTarget(t.target())
                        .setDelivered(t.delivered()).setFailure(t.failure().orElse("")));
            }
            response.onNext(b.build());
            response.onCompleted();
        });
    }
}
