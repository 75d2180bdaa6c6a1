package dev.taskmaster.server.reexec;

import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.output.OutputRing;
import dev.taskmaster.server.output.StdStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a daemon hands to the program it re-executes into, beyond the state file (which names
 * the processes): the event journal (its kept events and last sequence, so that a WatchEvents
 * stream resumed by sequence has no gap and no duplicate), each instance's output ring (so
 * tail and attach offsets go on), and when the daemon first started.
 *
 * @param pid           the daemon's pid: a handover is taken only by the same process (execve keeps it)
 * @param bootId        the kernel's boot id: never taken across a reboot
 * @param firstStart    when the first program of this chain of re-execs started
 * @param reexecs       how many re-execs came before this one
 * @param journalId     the journal's id: WatchEvents resumes across the re-exec as within one journal
 * @param lastSequence  the journal's last sequence
 * @param events        the kept events, oldest first; empty when they could not all be written
 * @param rings         instance name → what its output ring held
 */
public record Handover(int pid, String bootId, Instant firstStart, int reexecs, String journalId, long lastSequence,
        List<EngineEvent> events, Map<String, OutputRing.Image> rings) {

    private static final Logger log = LoggerFactory.getLogger(Handover.class);
    private static final int MAGIC = 0x544d5258; // "TMRX"
    private static final int VERSION = 1;
    /** Output bytes handed over at most, all rings together; each ring's offsets go on regardless. */
    static final long RING_BUDGET = 16L * 1024 * 1024;

    byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(pid);
        out.writeUTF(bootId);
        out.writeLong(firstStart.getEpochSecond());
        out.writeInt(firstStart.getNano());
        out.writeInt(reexecs);
        out.writeUTF(journalId);
        out.writeLong(lastSequence);
        out.write(encodeEvents(events));
        out.writeInt(rings.size());
        for (Map.Entry<String, OutputRing.Image> e : rings.entrySet()) {
            OutputRing.Image image = e.getValue();
            out.writeUTF(e.getKey());
            out.writeLong(image.end());
            out.writeLong(image.stdoutEnd());
            out.writeLong(image.stderrEnd());
            out.writeInt(image.runs().size());
            for (OutputRing.Image.Run run : image.runs()) {
                out.writeByte(run.stream().ordinal());
                out.writeLong(run.combined());
                out.writeLong(run.offset());
                out.writeInt(run.data().length);
                out.write(run.data());
            }
        }
        out.flush();
        return bytes.toByteArray();
    }

    /** The events as one block: a count and the events, or 0 events when one of them cannot be written. */
    private static byte[] encodeEvents(List<EngineEvent> events) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(events.size());
        try {
            for (EngineEvent e : events) {
                RecordCodec.write(out, e);
            }
        } catch (RecordCodec.Unsupported e) {
            log.warn("re-exec: the event history is not handed over ({}); the sequence numbers go on", e.getMessage());
            return new byte[] {0, 0, 0, 0};
        }
        out.flush();
        return bytes.toByteArray();
    }

    static Handover decode(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        if (in.readInt() != MAGIC || in.readInt() != VERSION) {
            throw new IOException("not a taskmasterd re-exec handover of this version");
        }
        int pid = in.readInt();
        String bootId = in.readUTF();
        Instant firstStart = Instant.ofEpochSecond(in.readLong(), in.readInt());
        int reexecs = in.readInt();
        String journalId = in.readUTF();
        long lastSequence = in.readLong();
        int n = in.readInt();
        List<EngineEvent> events = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                if (!(RecordCodec.read(in) instanceof EngineEvent e)) {
                    throw new RecordCodec.Unsupported("an event that is not an EngineEvent");
                }
                events.add(e);
            }
        } catch (RecordCodec.Unsupported e) {
            // The rings come after the events: without the events' length, they are lost too.
            log.warn("re-exec: the event history cannot be read ({}); the sequence numbers go on", e.getMessage());
            return new Handover(pid, bootId, firstStart, reexecs, journalId, lastSequence, List.of(), Map.of());
        }
        Map<String, OutputRing.Image> rings = new LinkedHashMap<>();
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            long end = in.readLong();
            long stdoutEnd = in.readLong();
            long stderrEnd = in.readLong();
            int runs = in.readInt();
            List<OutputRing.Image.Run> list = new ArrayList<>(runs);
            for (int r = 0; r < runs; r++) {
                StdStream stream = StdStream.values()[in.readUnsignedByte()];
                long combined = in.readLong();
                long offset = in.readLong();
                byte[] bytes = in.readNBytes(in.readInt());
                list.add(new OutputRing.Image.Run(stream, combined, offset, bytes));
            }
            rings.put(name, new OutputRing.Image(end, stdoutEnd, stderrEnd, list));
        }
        return new Handover(pid, bootId, firstStart, reexecs, journalId, lastSequence, List.copyOf(events), rings);
    }
}
