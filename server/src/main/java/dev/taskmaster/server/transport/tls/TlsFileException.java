package dev.taskmaster.server.transport.tls;

import java.nio.file.Path;

/** A TLS file that cannot be used; the message is "{@code path: what is wrong}". */
public final class TlsFileException extends Exception {

    public TlsFileException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
