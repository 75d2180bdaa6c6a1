package dev.taskmaster.server.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Privileges#dropTo} is irreversible, so it runs in a child JVM (spawned with
 * {@link PosixSpawn}, which is a test of its own), never in the test JVM.
 */
@Timeout(120)
class PrivilegesTest {

    @Test
    void dropToChangesEveryThreadOfAChildJvm() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root");
        Optional<UserInfo> nobody = Users.lookup("nobody");
        assumeTrue(nobody.isPresent(), "needs a 'nobody' user");

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        SpawnRequest request = SpawnRequest.of(java, List.of("java", "--enable-native-access=ALL-UNNAMED",
                        "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", classPath(),
                        DropMain.class.getName(), "nobody"), Map.of("PATH", "/usr/bin:/bin"))
                .withStdio(Stdio.devNull(), Stdio.devNull(), Stdio.inherit());
        Children.Result result = Children.capture(request);
        assertThat(result.status()).as(result.stdout()).isEqualTo(new WaitStatus.Exited(0));

        UserInfo user = nobody.get();
        List<String> lines = result.stdout().lines().toList();
        assertThat(lines).contains("ids " + user.uid() + " " + user.uid() + " " + user.gid() + " " + user.gid());
        List<String> threads = lines.stream().filter(l -> l.startsWith("thread ")).toList();
        assertThat(threads).as("the JVM has several threads").hasSizeGreaterThan(5);
        String expected = " Uid:\t%d\t%d\t%d\t%d Gid:\t%d\t%d\t%d\t%d".formatted(
                user.uid(), user.uid(), user.uid(), user.uid(), user.gid(), user.gid(), user.gid(), user.gid());
        assertThat(threads).allSatisfy(t -> assertThat(t).endsWith(expected + " Groups:\t"
                + String.join(" ", Users.supplementaryGroups(user).stream().map(String::valueOf).toList())));
        assertThat(lines).contains("again EPERM setgroups");
    }

    /**
     * DropMain needs only this package's main and test classes. (Under surefire,
     * java.class.path may name a manifest-only booter jar the child cannot use.)
     */
    private static String classPath() throws Exception {
        return Path.of(DropMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                + java.io.File.pathSeparator
                + Path.of(Users.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Runs in the child JVM: drops to the named user and reports every thread's credentials. */
    public static final class DropMain {
        public static void main(String[] args) throws Exception {
            UserInfo target = Users.lookup(args[0]).orElseThrow();
            Privileges.dropTo(target);
            System.out.println("ids " + Posix.getuid() + " " + Posix.geteuid() + " " + Posix.getgid() + " "
                    + Posix.getegid());
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        List<String> status = Files.readAllLines(task.resolve("status"));
                        StringBuilder line = new StringBuilder("thread " + task.getFileName());
                        for (String field : List.of("Uid:", "Gid:", "Groups:")) {
                            String value = status.stream().filter(l -> l.startsWith(field)).findFirst().orElseThrow();
                            line.append(' ').append(value.strip());
                        }
                        System.out.println(line);
                    } catch (java.nio.file.NoSuchFileException exited) {
                        // a thread ended meanwhile
                    }
                }
            }
            try {
                Privileges.dropTo(Users.lookup("root").orElseThrow());
                System.out.println("again succeeded");
            } catch (NativeException e) {
                System.out.println("again " + e.errnoName() + " " + e.call());
            }
        }
    }
}
