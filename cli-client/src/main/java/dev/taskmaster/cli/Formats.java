package dev.taskmaster.cli;

/** Text for taskmasterctl's own output; process values read as {@link dev.taskmaster.client.ProcessText} says. */
final class Formats {

    private Formats() {}

    /** Rows as aligned columns, two spaces apart, without trailing blanks. */
    static java.util.List<String> table(java.util.List<java.util.List<String>> rows) {
        int columns = rows.getFirst().size();
        int[] width = new int[columns];
        for (var row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        java.util.List<String> lines = new java.util.ArrayList<>(rows.size());
        for (var row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                line.append(row.get(c)).append(" ".repeat(c == columns - 1 ? 0 : width[c] - row.get(c).length() + 2));
            }
            lines.add(line.toString().stripTrailing());
        }
        return lines;
    }
}
