package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupsTest {

    @Test
    void rootByNameAndByGid() throws Exception {
        GroupInfo root = Groups.lookup("root").orElseThrow();
        assertThat(root).isEqualTo(new GroupInfo("root", 0));
        assertThat(Groups.lookup("0")).contains(root);
    }

    @Test
    void everyGroupOfEtcGroupIsFoundByNameAndGid() throws Exception {
        // The struct layout is right only if name and gid come back as /etc/group has them.
        List<String> lines = Files.readAllLines(Path.of("/etc/group"));
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            String[] f = line.split(":", -1);
            GroupInfo expected = new GroupInfo(f[0], Integer.parseInt(f[2]));
            assertThat(Groups.lookup(f[0])).as(line).contains(expected);
            assertThat(Groups.lookup(f[2])).as(line).isPresent().get().extracting(GroupInfo::gid).isEqualTo(expected.gid());
        }
    }

    @Test
    void unknownGroupsAreEmpty() throws Exception {
        assertThat(Groups.lookup("no-such-group-xyz")).isEmpty();
        assertThat(Groups.lookup("4000000000")).isEmpty();
        assertThat(Groups.lookup("99999999999")).isEmpty();
        assertThat(Groups.lookup("")).isEmpty();
    }
}
