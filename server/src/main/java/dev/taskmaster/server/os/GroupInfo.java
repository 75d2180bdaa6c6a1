package dev.taskmaster.server.os;

/**
 * One entry of the group database ({@code struct group}), without its member list: members are
 * found the other way round, with {@link Users#supplementaryGroups}.
 *
 * <p>Threading: immutable.
 */
public record GroupInfo(String name, int gid) {}
