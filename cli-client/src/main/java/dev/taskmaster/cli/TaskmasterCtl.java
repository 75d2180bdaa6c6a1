package dev.taskmaster.cli;
public final class TaskmasterCtl { public static void main(String[] a) { System.out.println("taskmasterctl"); } }
