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
}
