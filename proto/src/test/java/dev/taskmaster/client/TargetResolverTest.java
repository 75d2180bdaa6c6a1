package dev.taskmaster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which daemon a client talks to: explicit flags, then --context, then TASKMASTER_CONTEXT, then
 * the current context, then the local default socket.
 */
class TargetResolverTest {

    @TempDir
    Path tmp;
    final Map<String, String> env = new HashMap<>();
    static final int UID = SocketPaths.currentUid();
    static final ClientSecurity PROD = new ClientSecurity(Path.of("/c/ca.pem"), Path.of("/c/me.pem"), Path.of("/c/me.key"),
            Path.of("/c/prod.token"), false);

    @BeforeEach
    void contexts() {
        env.put("XDG_CONFIG_HOME", tmp.resolve("conf").toString());
        env.put("XDG_RUNTIME_DIR", "/run/user/1000");
    }

    void save(String current) {
        Contexts c = Contexts.EMPTY
                .with(new Context("prod", ServerAddress.parse("web1:7443"), PROD))
                .with(new Context("staging", ServerAddress.parse("web2:7443"), new ClientSecurity(null, null, null, Path.of("/c/st.token"), false)))
                .with(new Context("blue", ServerAddress.parse("unix:///run/blue.sock"), ClientSecurity.NONE));
        ContextsFile.save(new TargetResolver(env, UID).contextsFile(), c.using(current));
    }

    TargetResolver.Resolved resolve(TargetResolver.Flags flags) {
        return new TargetResolver(env, UID).resolve(flags);
    }

    static TargetResolver.Flags flags(String server, String context, ClientSecurity security) {
        return new TargetResolver.Flags(server, null, null, context, security);
    }

    @Test
    void withNothingAnywhereTheLocalDefaultSocket() {
        var r = resolve(flags(null, null, null));
        assertThat(r.target()).isEqualTo(new DaemonTarget(new ServerAddress.Unix(Path.of("/run/user/1000/taskmaster/default.sock")),
                ClientSecurity.NONE, null));
        assertThat(r.instance()).isEqualTo("default");
        assertThat(r.explicitSocket()).isFalse();
    }

    @Test
    void theCurrentContextComesNext() {
        save("prod");
        var r = resolve(flags(null, null, null));
        assertThat(r.target()).isEqualTo(new DaemonTarget(ServerAddress.parse("web1:7443"), PROD, "prod"));
        assertThat(r.target().label()).isEqualTo("prod");
    }

    @Test
    void noCurrentContextMeansTheLocalDefault() {
        save(null);
        assertThat(resolve(flags(null, null, null)).target().address())
                .isEqualTo(new ServerAddress.Unix(Path.of("/run/user/1000/taskmaster/default.sock")));
    }

    @Test
    void theEnvironmentVariableBeatsTheCurrentContext() {
        save("prod");
        env.put("TASKMASTER_CONTEXT", "staging");
        assertThat(resolve(flags(null, null, null)).target().context()).isEqualTo("staging");
    }

    @Test
    void theContextFlagBeatsTheEnvironmentVariable() {
        save("prod");
        env.put("TASKMASTER_CONTEXT", "staging");
        var r = resolve(flags(null, "blue", null));
        assertThat(r.target()).isEqualTo(new DaemonTarget(new ServerAddress.Unix(Path.of("/run/blue.sock")), ClientSecurity.NONE, "blue"));
        assertThat(r.explicitSocket()).isTrue();
    }

    @Test
    void anAddressFlagBeatsEveryContextAndTakesNoneOfItsCredentials() {
        save("prod");
        env.put("TASKMASTER_CONTEXT", "staging");
        var server = resolve(flags("web9:7443", null, null)).target();
        assertThat(server).isEqualTo(new DaemonTarget(ServerAddress.parse("web9:7443"), ClientSecurity.NONE, null));
        var instance = resolve(new TargetResolver.Flags(null, null, "green", null, null));
        assertThat(instance.target().address()).isEqualTo(new ServerAddress.Unix(Path.of("/run/user/1000/taskmaster/green.sock")));
        assertThat(instance.instance()).isEqualTo("green");
        var socket = resolve(new TargetResolver.Flags(null, Path.of("/tmp/x.sock"), null, null, null));
        assertThat(socket.target().address()).isEqualTo(new ServerAddress.Unix(Path.of("/tmp/x.sock")));
        assertThat(socket.explicitSocket()).isTrue();
    }

    @Test
    void flagsOverrideTheSettingsOfANamedContext() {
        save(null);
        ClientSecurity mine = new ClientSecurity(null, null, null, Path.of("/c/other.token"), false);
        var r = resolve(flags(null, "prod", mine)).target();
        assertThat(r.security()).isEqualTo(new ClientSecurity(PROD.ca(), PROD.cert(), PROD.key(), Path.of("/c/other.token"), false));
        // --context with --server: the named context's credentials, at that address (the user asked for both).
        var moved = resolve(flags("web1-new:7443", "prod", null)).target();
        assertThat(moved).isEqualTo(new DaemonTarget(ServerAddress.parse("web1-new:7443"), PROD, "prod"));
    }

    @Test
    void unknownContextsAndClashingFlagsAreNamed() {
        save(null);
        assertThatThrownBy(() -> resolve(flags(null, "nope", null))).isInstanceOf(TargetException.class)
                .hasMessage("no context \"nope\" in " + tmp.resolve("conf/taskmaster/contexts.yaml") + "; known: prod, staging, blue");
        env.put("TASKMASTER_CONTEXT", "gone");
        assertThatThrownBy(() -> resolve(flags(null, null, null)))
                .hasMessage("no context \"gone\" (named by TASKMASTER_CONTEXT) in " + tmp.resolve("conf/taskmaster/contexts.yaml")
                        + "; known: prod, staging, blue");
        assertThatThrownBy(() -> resolve(new TargetResolver.Flags("a:1", Path.of("/x.sock"), null, null, null)))
                .hasMessage("--server cannot be combined with --socket; give one address");
        assertThatThrownBy(() -> resolve(new TargetResolver.Flags(null, null, "../x", null, null)))
                .hasMessageStartingWith("invalid instance name \"../x\"");
    }

    @Test
    void withoutAContextsFileAnUnknownContextSaysHowToAddOne() {
        assertThatThrownBy(() -> resolve(flags(null, "prod", null))).hasMessage("no context \"prod\" in "
                + tmp.resolve("conf/taskmaster/contexts.yaml") + "; add one with: taskmasterctl context add NAME --server ADDRESS");
    }
}
