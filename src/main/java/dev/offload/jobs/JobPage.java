package dev.offload.jobs;

import java.util.List;

/** A page of jobs and the cursor of the next page (null on the last page). */
public record JobPage(List<Job> items, JobQuery.Cursor next) {
}
