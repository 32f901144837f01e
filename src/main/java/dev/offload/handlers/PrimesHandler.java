package dev.offload.handlers;

import dev.offload.jobs.JobContext;
import dev.offload.jobs.JobHandler;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;

/**
 * Counts the primes up to a limit with a segmented sieve of Eratosthenes: CPU-bound, so it runs
 * on a worker thread. Memory stays small (one segment and the base primes up to the square root);
 * it reports progress per segment and stops at the next segment once cancelled.
 */
public final class PrimesHandler implements JobHandler {
  private static final int SEGMENT = 1 << 18;

  @Override
  public String type() {
    return "primes";
  }

  @Override
  public String description() {
    return "Counts the primes <= {limit} (segmented sieve). CPU-bound, runs on a worker thread, "
      + "reports progress and stops when cancelled.";
  }

  @Override
  public JsonObject inputSchema() {
    return new JsonObject("""
      {
        "type": "object",
        "additionalProperties": false,
        "required": ["limit"],
        "properties": {"limit": {"type": "integer", "minimum": 2, "maximum": 2000000000}}
      }""");
  }

  @Override
  public boolean blocking() {
    return true;
  }

  @Override
  public int timeoutSeconds() {
    return 600;
  }

  @Override
  public Future<JsonObject> run(JobContext context) {
    long limit = context.input().getLong("limit");
    return Future.succeededFuture(new JsonObject().put("count", count(limit, context)));
  }

  /** How many primes are <= limit. */
  static long count(long limit, JobContext context) {
    int root = (int) Math.sqrt((double) limit);
    while ((long) (root + 1) * (root + 1) <= limit) {
      root++;
    }
    boolean[] composite = new boolean[root + 1];
    int[] basePrimes = new int[root + 1];
    int bases = 0;
    for (int i = 2; i <= root; i++) {
      if (!composite[i]) {
        basePrimes[bases++] = i;
        for (long j = (long) i * i; j <= root; j += i) {
          composite[(int) j] = true;
        }
      }
    }
    long count = 0;
    boolean[] segment = new boolean[SEGMENT];
    for (long low = 2; low <= limit; low += SEGMENT) {
      if (context.cancelled()) {
        throw new JobContext.CancelledException();
      }
      long high = Math.min(low + SEGMENT - 1, limit);
      int length = (int) (high - low + 1);
      Arrays.fill(segment, 0, length, false);
      for (int b = 0; b < bases; b++) {
        long p = basePrimes[b];
        if (p * p > high) {
          break;
        }
        long start = Math.max(p * p, ((low + p - 1) / p) * p);
        for (long j = start; j <= high; j += p) {
          segment[(int) (j - low)] = true;
        }
      }
      for (int i = 0; i < length; i++) {
        if (!segment[i]) {
          count++;
        }
      }
      context.progress((double) (high - 1) / (limit - 1));
    }
    return count;
  }
}
