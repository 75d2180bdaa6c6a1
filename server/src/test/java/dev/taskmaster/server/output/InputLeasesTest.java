package dev.taskmaster.server.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InputLeasesTest {

    final InputLeases leases = new InputLeases();
    final List<String> heard = new ArrayList<>();

    private InputLeases.Lease join(String id, InputMode mode) {
        return leases.join(id, mode, "tester", l -> heard.add(id + "=" + l.granted() + (l.shared() ? "/shared" : "")));
    }

    @Test
    void oneExclusiveHolderOthersWatch() {
        assertThat(join("a-session", InputMode.EXCLUSIVE).granted()).isTrue();
        InputLeases.Lease b = join("b-session", InputMode.EXCLUSIVE);
        assertThat(b.granted()).isFalse();
        assertThat(b.holder()).contains("a-sessio");
        assertThat(join("c-session", InputMode.SHARED).granted()).isFalse();
        assertThat(leases.refusal("a-session")).isEmpty();
        assertThat(leases.refusal("b-session")).get().asString().contains("held by").contains("TAKE_OVER");
        assertThat(leases.refusal("")).get().asString().contains("nobody holds it alone");
        // The holder leaves: the first waiting session gets it.
        leases.leave("a-session");
        assertThat(leases.refusal("b-session")).isEmpty();
        assertThat(heard).contains("b-session=true");
    }

    @Test
    void sharingAndTakingOver() {
        assertThat(join("s1", InputMode.SHARED).shared()).isTrue();
        assertThat(join("s2", InputMode.SHARED).granted()).isTrue();
        assertThat(join("e1", InputMode.EXCLUSIVE).granted()).isFalse();
        assertThat(leases.refusal("")).isEmpty(); // shared: one-shot input is allowed
        InputLeases.Lease t = join("t1", InputMode.TAKE_OVER);
        assertThat(t.granted()).isTrue();
        assertThat(t.shared()).isFalse();
        assertThat(heard).containsExactly("s1=false", "s2=false");
        assertThat(leases.refusal("s1")).isPresent();
        assertThat(join("r1", InputMode.READ_ONLY).granted()).isFalse();
        assertThat(leases.refusal("r1")).isPresent();
    }
}
