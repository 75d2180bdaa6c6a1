package dev.taskmaster.config.supervisord;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What an import could not carry over (warnings) and what makes the file unusable
 * (errors, as supervisord itself would refuse it), each located in the supervisord file.
 * Not thread-safe; one import fills it.
 */
final class ImportNotes {

    private final List<SupervisordImport.Note> warnings = new ArrayList<>();
    private final List<SupervisordImport.Note> errors = new ArrayList<>();

    void warn(IniFile.Value at, String message) {
        add(warnings, new SupervisordImport.Note(at.file(), at.line(), at.column(), message));
    }

    void warn(IniFile.Section at, String message) {
        add(warnings, new SupervisordImport.Note(at.file(), at.line(), 1, message));
    }

    void warn(Path file, String message) {
        add(warnings, new SupervisordImport.Note(file, 0, 0, message));
    }

    void error(IniFile.Value at, String message) {
        add(errors, new SupervisordImport.Note(at.file(), at.line(), at.column(), message));
    }

    void error(IniFile.Section at, String message) {
        add(errors, new SupervisordImport.Note(at.file(), at.line(), 1, message));
    }

    void error(Path file, int line, String message) {
        add(errors, new SupervisordImport.Note(file, line, 0, message));
    }

    /** Once each: the processes of one section share their keys, and so their warnings. */
    private static void add(List<SupervisordImport.Note> notes, SupervisordImport.Note note) {
        if (!notes.contains(note)) {
            notes.add(note);
        }
    }

    /** In the order of the files read, then of their lines. */
    List<SupervisordImport.Note> warnings(List<Path> files) {
        List<SupervisordImport.Note> sorted = new ArrayList<>(warnings);
        sorted.sort(java.util.Comparator.<SupervisordImport.Note>comparingInt(n -> files.indexOf(n.file()))
                .thenComparingInt(SupervisordImport.Note::line));
        return sorted;
    }

    List<SupervisordImport.Note> errors() {
        return List.copyOf(errors);
    }
}
