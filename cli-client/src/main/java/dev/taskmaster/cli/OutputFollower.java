package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.OutputStream;
import io.grpc.Context;
import java.util.Iterator;

/**
 * {@code tail -f} and {@code logs -f}: a read-only AttachOutput stream from a given offset, each
 * chunk handed to a {@link Printer}. Runs on the calling thread until the stream ends (the
 * daemon ends it) or the thread is interrupted (Ctrl-C in the shell), which cancels the call.
 */
final class OutputFollower {

    /** What to do with what arrives. Called on the following thread. */
    interface Printer {
        void bytes(byte[] data);

        /** The viewer fell behind (or bytes were no longer kept): {@code count} bytes were not shown. */
        void skipped(long count);
    }

    private final Verb verb;
    private final String name;
    private final OutputStream stream;
    private final boolean json;

    OutputFollower(Verb verb, String name, OutputStream stream, boolean json) {
        this.verb = verb;
        this.name = name;
        this.stream = stream;
        this.json = json;
    }

    /** Follows from {@code offset}, printing text through {@code text} (tail's plain output). */
    int follow(long offset, TextDecoder text) {
        return follow(offset, new Printer() {
            @Override
            public void bytes(byte[] data) {
                verb.out().print(text.decode(data));
                verb.out().flush();
            }

            @Override
            public void skipped(long count) {
                verb.out().flush();
                verb.err().println(skippedLine(name, count));
                verb.err().flush();
            }
        });
    }

    static String skippedLine(String name, long count) {
        return "taskmasterctl: " + name + ": " + count + " bytes of output skipped (too far behind, or no longer kept)";
    }

    int follow(long offset, Printer printer) {
        next = offset;
        while (true) {
            AttachOutputRequest request = AttachOutputRequest.newBuilder().setName(name).setStream(stream).setFromOffset(next)
                    .setInputMode(InputMode.INPUT_MODE_READ_ONLY).build();
            try (Context.CancellableContext call = Context.current().withCancellation()) {
                return call.call(() -> read(verb.root.daemon().unboundedBlockingStub().attachOutput(request), printer));
            } catch (io.grpc.StatusRuntimeException e) {
                if (!DaemonReturn.resumable(e, reexecUntil)) {
                    throw e;
                }
                if (DaemonReturn.isReexec(e)) {
                    reexecUntil = System.nanoTime() + DaemonReturn.LIMIT.toNanos();
                }
                // The daemon re-executes itself and keeps the offsets: go on from the next byte not seen.
                DaemonReturn.await(verb.root.daemon(), DaemonReturn.LIMIT, info -> true);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The offset of the next byte to show: where a follow resumes after a re-exec. */
    private long next;
    /** Until when (System.nanoTime) an unreachable daemon is taken for one still re-executing. */
    private long reexecUntil = Long.MIN_VALUE;

    private int read(Iterator<AttachOutputResponse> messages, Printer printer) {
        while (messages.hasNext()) {
            AttachOutputResponse m = messages.next();
            switch (m.getKindCase()) {
                case CHUNK -> next = m.getChunk().getOffset() + m.getChunk().getData().size();
                case SKIPPED -> next = m.getSkipped().getResumeOffset();
                default -> { }
            }
            if (json) {
                Json.print(verb.out(), m);
                verb.out().flush();
                continue;
            }
            switch (m.getKindCase()) {
                case CHUNK -> printer.bytes(m.getChunk().getData().toByteArray());
                case SKIPPED -> printer.skipped(m.getSkipped().getBytesSkipped());
                default -> {
                    // started, process notices, lease changes: nothing to print when only following
                }
            }
        }
        return ExitCodes.OK;
    }
}
