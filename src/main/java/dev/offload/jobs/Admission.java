package dev.offload.jobs;

/** The limits a submission batch is admitted against, atomically with its insert. */
public record Admission(int backlog, int activeJobsPerOwner) {
}
