package dev.taskmaster.server.api;

import io.grpc.Status;
import java.time.Duration;

/** Durations of requests checked against the contract before use. Stateless. */
final class Durations {

    /** The range protobuf allows a Duration (about 10,000 years either way). */
    private static final long MAX_SECONDS = 315_576_000_000L;

    private Durations() {
    }

    /**
     * {@code d} as a Java duration.
     *
     * @param field the request's field, named in the error
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT for a negative duration, or one that
     *         is not a valid protobuf Duration (nanos out of range or of another sign than seconds)
     */
    static Duration nonNegative(String field, com.google.protobuf.Duration d) {
        long s = d.getSeconds();
        int n = d.getNanos();
        boolean valid = Math.abs(s) <= MAX_SECONDS && Math.abs(n) <= 999_999_999 && !(s > 0 && n < 0) && !(s < 0 && n > 0);
        if (!valid) {
            throw Status.INVALID_ARGUMENT.withDescription(field + ": expected a valid duration, found seconds=" + s
                    + " nanos=" + n + " (nanos must be within ±999999999 and of the sign of seconds)").asRuntimeException();
        }
        if (s < 0 || n < 0) {
            throw Status.INVALID_ARGUMENT.withDescription(field + ": expected a duration >= 0, found "
                    + java.math.BigDecimal.valueOf(s).add(java.math.BigDecimal.valueOf(n, 9)).stripTrailingZeros().toPlainString()
                    + " s").asRuntimeException();
        }
        // Beyond what a wait can use (292 years in nanoseconds): as long as the call lasts.
        return s > Long.MAX_VALUE / 1_000_000_000L - 1 ? Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L - 1)
                : Duration.ofSeconds(s, n);
    }
}
