package dev.taskmaster.server;
public final class TaskmasterDaemon { public static void main(String[] a) { System.out.println("taskmasterd"); } }
