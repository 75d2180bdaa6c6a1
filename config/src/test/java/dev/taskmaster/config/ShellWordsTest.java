package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ShellWordsTest {

    @Test
    void splitsLikeAShell() {
        assertThat(ShellWords.split("  a  b\tc\n")).containsExactly("a", "b", "c");
        assertThat(ShellWords.split("/usr/sbin/nginx -g 'daemon off;'")).containsExactly("/usr/sbin/nginx", "-g", "daemon off;");
        assertThat(ShellWords.split("echo \"a \\\"b\\\" \\$c \\\\ \\n\"")).containsExactly("echo", "a \"b\" $c \\ \\n");
        assertThat(ShellWords.split("a\\ b 'it'\\''s' \"\" ''")).containsExactly("a b", "it's", "", "");
        assertThat(ShellWords.split("pre'quoted'post x\"y\"z")).containsExactly("prequotedpost", "xyz");
        assertThat(ShellWords.split("sh -c 'echo $HOME; ls | wc -l'")).containsExactly("sh", "-c", "echo $HOME; ls | wc -l");
        assertThat(ShellWords.split("find . -exec rm {} \\;")).containsExactly("find", ".", "-exec", "rm", "{}", ";");
        assertThat(ShellWords.split("a -x=>b")).containsExactly("a", "-x=>b");
    }

    @Test
    void rejectsWhatOnlyAShellCouldMeanAndBrokenQuoting() {
        for (String op : new String[] {"|", "||", "&&", "&", ";", ">", ">>", "<", "2>&1", ">/dev/null", "&>log"}) {
            assertThatThrownBy(() -> ShellWords.split("run " + op + " x")).as(op)
                    .hasMessageStartingWith("\"" + op + "\" is shell syntax");
        }
        assertThatThrownBy(() -> ShellWords.split("a \"b")).hasMessage("unterminated double quote at character 3");
        assertThatThrownBy(() -> ShellWords.split("a 'b")).hasMessage("unterminated single quote at character 3");
        assertThatThrownBy(() -> ShellWords.split("a \\")).hasMessage("a backslash at the end escapes nothing");
        assertThatThrownBy(() -> ShellWords.split(" \t")).hasMessage("the command is empty");
    }
}
