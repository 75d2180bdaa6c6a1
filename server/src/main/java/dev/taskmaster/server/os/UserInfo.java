package dev.taskmaster.server.os;

import java.nio.file.Path;

/**
 * One entry of the user database ({@code struct passwd}).
 *
 * <p>Threading: immutable.
 */
public record UserInfo(String name, int uid, int gid, Path home, String shell) {}
