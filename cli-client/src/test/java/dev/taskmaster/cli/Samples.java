package dev.taskmaster.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import java.util.List;

/**
 * Messages of any type filled from their descriptor, for the JSON tests: {@link #empty} as bare
 * as a message gets, {@link #full} with every field set (that a oneof allows) to a value that is
 * not its default, small numbers in even variants and extreme ones (beyond 2^53, unsigned above
 * 2^63, the ends of the int32 range) in odd ones. Member {@code variant % n} of each oneof is set.
 */
final class Samples {

    private static final int DEPTH = 8;

    private Samples() {}

    static Message empty(Descriptor type) {
        return DynamicMessage.getDefaultInstance(type);
    }

    static Message full(Descriptor type, int variant) {
        return full(type, variant, 0);
    }

    private static Message full(Descriptor type, int variant, int depth) {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
        switch (type.getFullName()) {
            case "google.protobuf.Timestamp" -> {
                // 2026-11-18T11:06:40 plus a fraction of 0, 3, 6 or 9 digits
                b.setField(type.findFieldByNumber(1), 1_795_000_000L + variant);
                b.setField(type.findFieldByNumber(2), List.of(0, 120_000_000, 123_456_000, 123_456_789).get(variant % 4));
                return b.build();
            }
            case "google.protobuf.Duration" -> {
                boolean negative = variant % 2 == 1;
                b.setField(type.findFieldByNumber(1), negative ? -315_576_000_000L : 90L + variant);
                b.setField(type.findFieldByNumber(2), negative ? -999_999_999 : 500_000_000);
                return b.build();
            }
            default -> {
                // filled below
            }
        }
        for (FieldDescriptor f : type.getFields()) {
            OneofDescriptor oneof = f.getRealContainingOneof();
            if (oneof != null && oneof.getField(variant % oneof.getFieldCount()) != f) {
                continue;
            }
            if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth >= DEPTH) {
                continue;
            }
            if (f.isMapField()) {
                for (String key : List.of("zeta", "alpha")) {
                    DynamicMessage.Builder entry = DynamicMessage.newBuilder(f.getMessageType());
                    entry.setField(f.getMessageType().findFieldByNumber(1), key);
                    entry.setField(f.getMessageType().findFieldByNumber(2), value(f.getMessageType().findFieldByNumber(2), variant, depth));
                    b.addRepeatedField(f, entry.build());
                }
            } else if (f.isRepeated()) {
                b.addRepeatedField(f, value(f, variant, depth));
                b.addRepeatedField(f, value(f, variant + 1, depth));
            } else {
                b.setField(f, value(f, variant, depth));
            }
        }
        return b.build();
    }

    private static Object value(FieldDescriptor f, int variant, int depth) {
        boolean extreme = variant % 2 == 1;
        return switch (f.getType()) {
            case DOUBLE -> extreme ? -1.0e300 : 0.1;
            case FLOAT -> extreme ? Float.MIN_VALUE : 1.5f;
            case INT32, SINT32, SFIXED32 -> extreme ? Integer.MIN_VALUE : 7;
            case UINT32, FIXED32 -> extreme ? -1 : 7; // 2^32 - 1
            case INT64, SINT64, SFIXED64 -> extreme ? Long.MIN_VALUE + 1 : 9_007_199_254_740_991L;
            case UINT64, FIXED64 -> extreme ? -1L : 42L; // 2^64 - 1
            case BOOL -> true;
            case STRING -> extreme ? "\"quoted\" \\ \n\u0000\u2028 é 𝄞" : "web:0";
            case BYTES -> ByteString.copyFrom(extreme ? new byte[] {0, (byte) 0xff, '\n'} : new byte[] {'o', 'k'});
            case ENUM -> f.getEnumType().getValues().getLast();
            case MESSAGE, GROUP -> full(f.getMessageType(), variant, depth + 1);
        };
    }
}
