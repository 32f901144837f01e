package dev.offload.jobs;

/** Who is asking: the token's subject, and whether it holds {@code jobs:admin} (sees every owner's jobs). */
public record Caller(String subject, boolean admin) {

  public boolean canSee(Job job) {
    return admin || job.owner().equals(subject);
  }
}
