package dev.taskmaster.tui;
public final class TaskmasterTui { public static void main(String[] a) { System.out.println("tui"); } }
