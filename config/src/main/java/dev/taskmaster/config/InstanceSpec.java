package dev.taskmaster.config;

/**
 * One supervised process: a program expanded by {@code numprocs}.
 *
 * @param program the program it belongs to
 * @param index   0 … numprocs-1
 * @param name    its unique name, from {@code process_name} ({@code web}, or {@code web:0} … when numprocs &gt; 1)
 */
public record InstanceSpec(ProgramSpec program, int index, String name) {
}
