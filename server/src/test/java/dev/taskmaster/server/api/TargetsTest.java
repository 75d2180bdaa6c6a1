package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared pieces of every RPC's error and result: quoted input and the order of results. */
class TargetsTest {

    @Test
    void userInputIsQuotedOnOneLineAndCutAfterTwoHundredCharacters() {
        assertThat(Targets.quote("web")).isEqualTo("\"web\"");
        assertThat(Targets.quote("a\"b\\c\nd\u001b[2J")).isEqualTo("\"a\\\"b\\\\c\\nd\\u001b[2J\"");
        assertThat(Targets.quote("x".repeat(200))).isEqualTo("\"" + "x".repeat(200) + "\"");
        assertThat(Targets.quote("x".repeat(201))).isEqualTo("\"" + "x".repeat(200) + "…\" (201 characters)");
        // A character outside the BMP is never cut in two.
        String emoji = "x".repeat(199) + "\uD83D\uDE00" + "y";
        assertThat(Targets.quote(emoji)).isEqualTo("\"" + "x".repeat(199) + "…\" (202 characters)");
    }

    @Test
    void namesAreOrderedAsPeopleReadThem() {
        List<String> names = new ArrayList<>(List.of("web:10", "web:2", "db", "web:02x", "web:1", "api", "web:0"));
        names.sort(Targets::compareNames);
        assertThat(names).containsExactly("api", "db", "web:0", "web:1", "web:2", "web:02x", "web:10");
    }

    /**
     * The comparison walks digit runs in place; it must order as the plain definition does
     * (leading zeros dropped, then shorter is smaller, then digit by digit) on names full of
     * zeros and digit runs of every length.
     */
    @Test
    void digitRunsCompareByValueAsTheirDefinitionSays() {
        java.util.Random random = new java.util.Random(17);
        String alphabet = "00001239a:";
        for (int n = 0; n < 20_000; n++) {
            String a = randomName(random, alphabet);
            String b = randomName(random, alphabet);
            assertThat(Integer.signum(Targets.compareNames(a, b))).as("%s vs %s", a, b)
                    .isEqualTo(Integer.signum(byDefinition(a, b)));
        }
        assertThat(Targets.compareNames("web:007", "web:7")).isNegative(); // equal values: by spelling, so never 0
        assertThat(Targets.compareNames("web:0", "web:00")).isNegative();
        assertThat(Targets.compareNames("a10", "a9")).isPositive();
    }

    @Test
    void uptimeIsHoursMinutesSeconds() {
        assertThat(Protos.clock(java.time.Duration.ZERO)).isEqualTo("0:00:00");
        assertThat(Protos.clock(java.time.Duration.ofSeconds(59))).isEqualTo("0:00:59");
        assertThat(Protos.clock(java.time.Duration.ofSeconds(3600 + 9 * 60 + 5))).isEqualTo("1:09:05");
        assertThat(Protos.clock(java.time.Duration.ofHours(1000).plusMinutes(10).plusSeconds(10))).isEqualTo("1000:10:10");
        assertThat(Protos.clock(java.time.Duration.ofSeconds(-5))).isEqualTo("0:00:00");
    }

    private static String randomName(java.util.Random random, String alphabet) {
        StringBuilder b = new StringBuilder();
        for (int i = random.nextInt(8); i >= 0; i--) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /** The order with strings made for each digit run: what the daemon did before. */
    private static int byDefinition(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i);
            char y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y)) {
                int ei = i;
                while (ei < a.length() && Character.isDigit(a.charAt(ei))) {
                    ei++;
                }
                int ej = j;
                while (ej < b.length() && Character.isDigit(b.charAt(ej))) {
                    ej++;
                }
                String na = a.substring(i, ei).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(j, ej).replaceFirst("^0+(?=.)", "");
                int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (c != 0) {
                    return c;
                }
                i = ei;
                j = ej;
            } else {
                if (x != y) {
                    return Character.compare(x, y);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }
}
