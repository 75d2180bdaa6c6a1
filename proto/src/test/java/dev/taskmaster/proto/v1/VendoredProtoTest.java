package dev.taskmaster.proto.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The contract ships google/rpc/status.proto so that users need only protoc's well-known types,
 * while the Java build takes com.google.rpc.Status from proto-google-common-protos. Both must
 * describe the same message: the copy is the jar's file, byte for byte, so an upgrade of the jar
 * that changes it fails here instead of drifting silently.
 */
class VendoredProtoTest {

    private static final String STATUS_PROTO = "google/rpc/status.proto";
    private static final Path VENDORED = Path.of(System.getProperty("basedir", "."))
            .resolve("src/main/proto").resolve(STATUS_PROTO);

    @Test
    void vendoredStatusProtoIsTheCopyInTheJarTheBuildUses() throws Exception {
        // The jar that holds the Status class the generated code links against, not whichever
        // status.proto comes first on the classpath.
        Path jar = Path.of(Status.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(jar.getFileName().toString()).startsWith("proto-google-common-protos-");
        byte[] fromJar;
        try (JarFile file = new JarFile(jar.toFile())) {
            ZipEntry entry = file.getEntry(STATUS_PROTO);
            assertThat(entry).as("%s in %s", STATUS_PROTO, jar).isNotNull();
            try (InputStream in = file.getInputStream(entry)) {
                fromJar = in.readAllBytes();
            }
        }
        assertThat(Files.readAllBytes(VENDORED))
                .as("%s differs from the copy in %s: copy it again (unzip -p %s %s > %s)",
                        VENDORED, jar.getFileName(), jar, STATUS_PROTO, VENDORED)
                .isEqualTo(fromJar);
    }

    @Test
    void theContractUsesTheJarsStatusClassNotOneGeneratedHere() {
        // The build excludes google/** from code generation: a second com.google.rpc.Status
        // compiled into this module would shadow or clash with the jar's.
        assertThat(TaskmasterProto.getDescriptor().getDependencies())
                .anySatisfy(d -> assertThat(d).isSameAs(Status.getDescriptor().getFile()));
        Path generated = Path.of(System.getProperty("basedir", "."))
                .resolve("target/classes/com/google/rpc/Status.class");
        assertThat(generated).doesNotExist();
        assertThat(Status.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .endsWith(".jar");
    }
}
