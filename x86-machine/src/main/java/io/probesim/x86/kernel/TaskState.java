package io.probesim.x86.kernel;

public enum TaskState { RUNNABLE, RUNNING, BLOCKED, DEAD }
