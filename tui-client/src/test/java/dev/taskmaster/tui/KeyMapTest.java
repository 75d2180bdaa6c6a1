package dev.taskmaster.tui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.googlecode.lanterna.input.KeyStroke;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key-remapping file: what it binds, and its located errors. */
class KeyMapTest {

    @TempDir
    Path dir;

    @Test
    void aBoundKeyDoesWhatItsActionsDefaultKeyDoes() throws Exception {
        Path file = Files.writeString(dir.resolve("tui-keys.conf"), """
                # vim-ish extras
                S = stop
                  J=down   # trailing comment
                # = help
                """);
        KeyMap map = KeyMap.read(file, true);
        assertThat(map.translate('S')).isEqualTo('x');
        assertThat(map.translate('J')).isEqualTo('j');
        assertThat(map.translate('#')).isEqualTo('?');
        assertThat(map.translate('x')).isEqualTo('x'); // the defaults keep working
        assertThat(map.describe()).containsExactly("# = help", "J = down", "S = stop");

        // Through the Controller: S stops the selected process.
        ScreenModel m = P.model(P.snapshot("j", 1, P.running("web", 10)));
        m.first();
        List<String> stopped = new ArrayList<>();
        Actions actions = (Actions) java.lang.reflect.Proxy.newProxyInstance(Actions.class.getClassLoader(),
                new Class<?>[] {Actions.class}, (proxy, method, args) -> {
                    stopped.add(method.getName() + " " + args[1]);
                    return null;
                });
        new Controller(m, actions, map).handle(new KeyStroke('S', false, false));
        assertThat(stopped).containsExactly("stop [web]");
    }

    @Test
    void aMissingDefaultFileIsNoRemappingAndANamedOneIsAnError() {
        assertThat(KeyMap.read(dir.resolve("none.conf"), false).describe()).isEmpty();
        assertThatThrownBy(() -> KeyMap.read(dir.resolve("none.conf"), true))
                .hasMessageStartingWith(dir.resolve("none.conf") + ": cannot read the key file");
    }

    @Test
    void errorsSayFileLineAndColumn() {
        assertThatThrownBy(() -> KeyMap.parse("k.conf", List.of("S = stop", "  T = explode")))
                .hasMessageStartingWith("k.conf:2:7: expected an action (quit, help, ")
                .hasMessageEndingWith("), found \"explode\"");
        assertThatThrownBy(() -> KeyMap.parse("k.conf", List.of("ab = stop")))
                .hasMessage("k.conf:1:1: expected one printable ASCII character as the key, found \"ab\"");
        assertThatThrownBy(() -> KeyMap.parse("k.conf", List.of("", "stop")))
                .hasMessage("k.conf:2:1: expected KEY = ACTION, found \"stop\"");
        assertThatThrownBy(() -> KeyMap.parse("k.conf", List.of("x = start")))
                .hasMessage("k.conf:1:1: expected a key no default binding uses, found \"x\" (already stop)");
        assertThatThrownBy(() -> KeyMap.parse("k.conf", List.of("S = stop", "S = start")))
                .hasMessage("k.conf:2:1: expected each key once, found \"S\" bound again");
    }
}
