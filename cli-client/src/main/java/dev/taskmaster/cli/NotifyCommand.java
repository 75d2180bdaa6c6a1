package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.NotificationTestResult;
import dev.taskmaster.proto.v1.TestNotificationRequest;
import dev.taskmaster.proto.v1.TestNotificationResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code taskmasterctl notify test [RULE]}: a test message through one notify rule of the
 * daemon's configuration, or every one, each tried once; one line per rule. Exit codes: 0 when
 * every message was delivered; 1 when one was not (its reason on its line) or there is no rule;
 * 4 when no rule has that name; 7 without the admin role.
 */
@Command(name = "notify", description = {"Notification rules of the daemon's configuration. ACTION is:",
        "  test [RULE]  send a test message through RULE (every rule when none is named) and say what became of it."})
final class NotifyCommand extends Verb {

    /** The actions; one today. */
    enum Action { test }

    @Parameters(index = "0", paramLabel = "ACTION", description = "test")
    Action action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "RULE", description = "The rule's name (rule-N when it has none).")
    String rule;

    @Override
    public Integer call() {
        // A test waits for the deliveries themselves (each up to its rule's timeout), not only for an answer.
        TestNotificationResponse r = root.daemon().blockingStub(timeout().plusSeconds(60))
                .testNotification(TestNotificationRequest.newBuilder().setRule(rule == null ? "" : rule).build());
        if (r.getResultsCount() == 0) {
            throw new CtlException(ExitCodes.FAILED, "the daemon's configuration has no notify rules: nothing was sent");
        }
        boolean all = true;
        for (NotificationTestResult t : r.getResultsList()) {
            all &= t.getDelivered();
            out().println(t.getRule() + ": " + (t.getDelivered() ? "delivered" : "NOT delivered") + " (" + t.getTarget() + ")"
                    + (t.getDelivered() ? "" : ": " + t.getFailure()));
        }
        out().flush();
        return all ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
