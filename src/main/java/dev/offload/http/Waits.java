package dev.offload.http;

import dev.offload.jobs.Caller;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobEvents;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobService;
import dev.offload.jobs.JobState;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.ext.web.RoutingContext;

import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code Prefer: wait=N} (RFC 7240) on reading and submitting a job: the answer is held until the
 * job has finished or N seconds (at most {@code api.maxWaitSeconds}) have passed, then it is the
 * usual one, with {@code Preference-Applied: wait=N}. A held request holds no thread and no
 * store connection: it follows the job's {@link JobEvents} and reads the job again only when one
 * says its state changed, and once more at the end of the wait (an event may be lost). A client
 * that goes away frees its place at once. Beyond the node's or the owner's share of held
 * requests, the answer comes at once, without the header.
 */
final class Waits {
  private static final Pattern WAIT = Pattern.compile("(?i)(?:^|[,\\s])wait\\s*=\\s*\"?(\\d{1,9})\"?\\s*(?:[;,]|$)");

  private final JobService jobs;
  private final JobEvents events;
  private final Holds holds;
  private final int maxSeconds;

  Waits(JobService jobs, JobEvents events, Holds holds, int maxSeconds) {
    this.jobs = jobs;
    this.events = events;
    this.holds = holds;
    this.maxSeconds = maxSeconds;
  }

  /** The wait the request prefers, in seconds, capped at the maximum; 0 for none (or a malformed one: RFC 7240 ignores it). */
  int preferred(RoutingContext ctx) {
    for (String prefer : ctx.request().headers().getAll("Prefer")) {
      Matcher matcher = WAIT.matcher(prefer);
      if (matcher.find()) {
        return (int) Math.min(maxSeconds, Long.parseLong(matcher.group(1)));
      }
    }
    return 0;
  }

  /**
   * Job {@code id} as {@code caller} may see it, once it has finished or after {@code seconds};
   * at once (as {@link JobService#get}) when {@code seconds} is 0 or no place is free.
   */
  Future<Job> job(RoutingContext ctx, Caller caller, UUID id, int seconds) {
    if (seconds <= 0 || holds.take(caller.subject()) != null) {
      return jobs.get(caller, id);
    }
    RequestTimeout.lift(ctx);
    ctx.response().putHeader("Preference-Applied", "wait=" + seconds);
    return new Hold(ctx, caller, id, seconds).answer.future();
  }

  /** One held request, on its event loop. */
  private final class Hold {
    private final Promise<Job> answer = Promise.promise();
    private final RoutingContext ctx;
    private final Caller caller;
    private final UUID id;
    private final JobEvents.Subscription subscription;
    private final long timer;

    Hold(RoutingContext ctx, Caller caller, UUID id, int seconds) {
      this.ctx = ctx;
      this.caller = caller;
      this.id = id;
      // Follow first, then read: a change between the two is heard, not missed.
      subscription = events.follow(id, event -> {
        if (event.state() != null && event.state() != JobState.RUNNING) {
          read(false);
        }
      });
      timer = ctx.vertx().setTimer(seconds * 1000L, t -> read(true));
      ctx.response().closeHandler(v -> end(Future.failedFuture(new JobException(JobException.Kind.UNAVAILABLE,
        "the client went away"))));
      read(false);
    }

    /** Reads the job; answers with it when it has finished, or when {@code last}. */
    private void read(boolean last) {
      if (answer.future().isComplete()) {
        return;
      }
      jobs.get(caller, id).onComplete(ar -> {
        if (ar.failed() || last || ar.result().state().finished()) {
          end(ar);
        }
      });
    }

    private void end(AsyncResult<Job> result) {
      if (answer.future().isComplete()) {
        return;
      }
      subscription.cancel();
      ctx.vertx().cancelTimer(timer);
      holds.give(caller.subject());
      answer.handle(result);
    }
  }
}
