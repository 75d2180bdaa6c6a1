package dev.taskmaster.cli;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a program's output bytes into text, chunk after chunk: a UTF-8 character split between
 * two chunks is decoded whole, and bytes that are not UTF-8 become U+FFFD instead of an error.
 * Not thread-safe: one per stream.
 */
final class TextDecoder {

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** The start of a character whose end is in the next chunk (at most 3 bytes). */
    private ByteBuffer pending = ByteBuffer.allocate(0);

    /** The text of {@code bytes}, less a trailing incomplete character, which is kept for the next call. */
    String decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.allocate(pending.remaining() + bytes.length);
        in.put(pending).put(bytes).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        decoder.decode(in, out, false);
        pending = in.slice();
        return out.flip().toString();
    }

    /** What is left at the end of the stream (an incomplete character becomes U+FFFD). */
    String finish() {
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 1);
        decoder.decode(pending, out, true);
        decoder.flush(out);
        decoder.reset();
        pending = ByteBuffer.allocate(0);
        return out.flip().toString();
    }
}
