package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class UsersTest {

    @Test
    void rootByNameAndByUid() throws Exception {
        UserInfo root = Users.lookup("root").orElseThrow();
        assertThat(root.name()).isEqualTo("root");
        assertThat(root.uid()).isZero();
        assertThat(root.gid()).isZero();
        assertThat(root.home()).isEqualTo(Path.of("/root"));
        assertThat(root.shell()).startsWith("/");
        assertThat(Users.lookup("0")).contains(root);
    }

    @Test
    void unknownUsersAreEmpty() throws Exception {
        assertThat(Users.lookup("no-such-user-xyz")).isEmpty();
        assertThat(Users.lookup("4000000000")).isEmpty(); // a valid uid_t nobody has
        assertThat(Users.lookup("99999999999")).isEmpty(); // not even a uid_t
        assertThat(Users.lookup("")).isEmpty();
    }

    @Test
    void nobodyHasTheOverflowUid() throws Exception {
        // Debian and most distributions: nobody is 65534.
        Users.lookup("nobody").ifPresent(nobody -> {
            assertThat(nobody.uid()).isEqualTo(65534);
            assertThat(nobody.uid()).isEqualTo(Integer.parseInt("65534"));
        });
    }

    @Test
    void groupsIncludeThePrimaryGroup() throws Exception {
        UserInfo root = Users.lookup("root").orElseThrow();
        assertThat(Users.supplementaryGroups(root)).contains(0);
        // The current user, whoever runs the tests.
        UserInfo me = Users.lookup(Integer.toString(Posix.getuid())).orElseThrow();
        assertThat(me.uid()).isEqualTo(Posix.getuid());
        assertThat(Users.supplementaryGroups(me)).contains(me.gid());
    }
}
