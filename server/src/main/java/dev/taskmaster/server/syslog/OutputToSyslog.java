package dev.taskmaster.server.syslog;

import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.config.SyslogSpec;
import dev.taskmaster.server.output.OutputTap;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.output.StdStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code stdout_syslog} and {@code stderr_syslog}: the taps that cut a stream into lines and
 * queue each for syslog, tagged with the program's name (an instance of a program with several
 * starts its lines with its own name), standard output at severity info, standard error at err.
 *
 * <p>Threading: {@link #of} from any thread; each tap on its stream's output pump thread.
 */
public final class OutputToSyslog implements Outputs.Taps {

    private final SyslogOutlet outlet;

    public OutputToSyslog(SyslogOutlet outlet) {
        this.outlet = outlet;
    }

    @Override
    public OutputTap of(InstanceSpec instance, StdStream stream) {
        ProgramSpec p = instance.program();
        boolean on = stream == StdStream.STDOUT ? p.stdoutSyslog() : p.stderrSyslog();
        SyslogSender sender = on ? outlet.sender() : null;
        if (sender == null) {
            return null;
        }
        String tag = p.name().length() > SyslogSpec.MAX_TAG ? p.name().substring(0, SyslogSpec.MAX_TAG) : p.name();
        String prefix = p.numprocs() > 1 ? instance.name() + ": " : "";
        return new Lines(sender, stream == StdStream.STDOUT ? Severity.INFO : Severity.ERR, tag, prefix);
    }

    /** One stream's lines; a line longer than {@link SyslogFormat#MAX_TEXT_BYTES} goes in pieces. Pump thread only. */
    static final class Lines implements OutputTap {
        private final SyslogSender sender;
        private final Severity severity;
        private final String tag;
        private final String prefix;
        /** Bytes of a line per message: the prefix and the line fit in {@link SyslogFormat#MAX_TEXT_BYTES}. */
        private final int maxLine;
        private byte[] partial = new byte[256];
        private int length;

        Lines(SyslogSender sender, Severity severity, String tag, String prefix) {
            this.sender = sender;
            this.severity = severity;
            this.tag = tag;
            this.prefix = prefix;
            this.maxLine = Math.max(256, SyslogFormat.MAX_TEXT_BYTES - prefix.getBytes(StandardCharsets.UTF_8).length);
        }

        @Override
        public void accept(ByteBuffer bytes) {
            for (int i = bytes.position(); i < bytes.limit(); i++) {
                byte b = bytes.get(i);
                if (b == '\n') {
                    emit();
                    continue;
                }
                if (length >= maxLine) {
                    emit(); // a line too long for one message goes in pieces
                } else if (length == partial.length) {
                    partial = Arrays.copyOf(partial, Math.min(maxLine, length * 2));
                }
                partial[length++] = b;
            }
        }

        private void emit() {
            int end = length > 0 && partial[length - 1] == '\r' ? length - 1 : length;
            sender.offer(severity, tag, prefix + new String(partial, 0, end, StandardCharsets.UTF_8));
            length = 0;
            if (partial.length > 4096) {
                partial = new byte[256]; // one long line does not pin its buffer for the program's life
            }
        }
    }
}
