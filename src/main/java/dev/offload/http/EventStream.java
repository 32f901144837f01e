package dev.offload.http;

import dev.offload.auth.BearerAuth;
import dev.offload.jobs.Caller;
import dev.offload.jobs.Job;
import dev.offload.jobs.JobEvent;
import dev.offload.jobs.JobEvents;
import dev.offload.jobs.JobException;
import dev.offload.jobs.JobService;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /api/v1/jobs/{id}/events}: a job's life as Server-Sent Events. The stream opens
 * with a {@code state} event (the job as its owner sees it), then sends a {@code state} event at
 * each change of state and a {@code progress} event ({"progress": 0.42}) at each progress
 * report; when the job has finished, its last {@code state} is followed by a {@code done} event,
 * and the server closes the stream. A comment every {@code api.heartbeatSeconds} keeps proxies
 * from closing it; after {@code api.maxStreamSeconds} it ends with a {@code retry:} hint.
 *
 * <p>Events come from {@link JobEvents}; the store stays the truth. A {@code state} event's job
 * is read from the store, and so is the job at every heartbeat: whatever a lost event would have
 * said is sent then. No event log is kept, so a reconnecting client ({@code Last-Event-ID})
 * cannot be replayed what it missed: it gets the current state first, which holds everything
 * that changed meanwhile, and event ids go on from the one it last saw. The {@code done} event's
 * id also names the outcome it reports ({@code <n>-<finishedAt in epoch ms>}): a client that
 * reconnects with it while the job still shows that outcome has seen everything there is, and is
 * answered {@code 204}, which tells an {@code EventSource} to stop reconnecting; any other
 * reconnect to a finished job gets its {@code state} and {@code done}, so an outcome is never
 * missed. vertx-web 5 has no SSE server handler; this is one, on the response's chunked API.
 */
final class EventStream implements Handler<RoutingContext> {
  /** The reconnection delay a client is told to use, in milliseconds. */
  static final int RETRY_MILLIS = 1000;

  private final JobService jobs;
  private final JobEvents events;
  private final Holds holds;
  private final long heartbeatMillis;
  private final long maxMillis;
  private final Function<RoutingContext, UUID> jobId;

  EventStream(JobService jobs, JobEvents events, Holds holds, int heartbeatSeconds, int maxSeconds,
              Function<RoutingContext, UUID> jobId) {
    this.jobs = jobs;
    this.events = events;
    this.holds = holds;
    this.heartbeatMillis = heartbeatSeconds * 1000L;
    this.maxMillis = maxSeconds * 1000L;
    this.jobId = jobId;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Caller caller = BearerAuth.caller(ctx);
    UUID id = jobId.apply(ctx);
    JobException full = holds.take(caller.subject());
    if (full != null) {
      ctx.fail(full);
      return;
    }
    new Stream(ctx, caller, id);
  }

  /** One open stream, on its event loop. */
  private final class Stream {
    private final RoutingContext ctx;
    private final HttpServerResponse response;
    private final Caller caller;
    private final UUID id;
    private final JobEvents.Subscription subscription;
    /** The outcome the client saw last (its {@code done} event's finish time, epoch ms), or null. */
    private final Long seenOutcome;
    private long nextId;
    private boolean open;
    private boolean ended;
    private Job sent;
    /** The progress last sent (by a state or a progress event). */
    private Double progress;
    private long heartbeat = -1;
    private long limit = -1;

    Stream(RoutingContext ctx, Caller caller, UUID id) {
      this.ctx = ctx;
      this.response = ctx.response();
      this.caller = caller;
      this.id = id;
      LastEventId last = LastEventId.of(ctx.request().getHeader("Last-Event-ID"));
      this.nextId = last.id() + 1;
      this.seenOutcome = last.outcome();
      // Follow first, then read: a change between the two is heard, not missed.
      subscription = events.follow(id, this::onEvent);
      response.closeHandler(v -> end());
      jobs.get(caller, id).onComplete(ar -> {
        if (ar.failed()) {
          end();
          ctx.fail(ar.cause());
          return;
        }
        if (seenOutcome != null && seenOutcome.equals(outcome(ar.result()))) {
          end();
          response.setStatusCode(204).putHeader("Cache-Control", "no-store").end();
          return;
        }
        RequestTimeout.lift(ctx);
        response.setChunked(true)
          .putHeader("Content-Type", "text/event-stream; charset=utf-8")
          .putHeader("Cache-Control", "no-store")
          // Tells nginx-style proxies not to buffer the stream.
          .putHeader("X-Accel-Buffering", "no");
        open = true;
        response.write("retry: " + RETRY_MILLIS + "\n\n");
        heartbeat = ctx.vertx().setPeriodic(heartbeatMillis, t -> {
          response.write(": heartbeat\n\n");
          refresh();
        });
        limit = ctx.vertx().setTimer(maxMillis, t -> {
          response.write(": this stream reached its time limit; reconnect to go on\nretry: " + RETRY_MILLIS + "\n\n");
          close();
        });
        send(ar.result());
      });
    }

    private void onEvent(JobEvent event) {
      if (!open || ended) {
        return;
      }
      if (event.progress() != null) {
        if (sent != null && !Objects.equals(progress, event.progress()) && !sent.state().finished()) {
          progress = event.progress();
          write("progress", new JsonObject().put("progress", progress));
        }
      } else {
        refresh();
      }
    }

    /** Reads the job and sends it if anything changed since the last one sent. */
    private void refresh() {
      jobs.get(caller, id).onSuccess(job -> {
        if (!ended && open && !same(job, sent, progress)) {
          send(job);
        }
      }).onFailure(err -> {
        if (err instanceof JobException refusal && refusal.kind() == JobException.Kind.NOT_FOUND) {
          close();
        }
      });
    }

    private void send(Job job) {
      if (ended) {
        return;
      }
      sent = job;
      progress = job.progress();
      write("state", job.toJson());
      Long outcome = outcome(job);
      if (outcome != null) {
        write(nextId++ + "-" + outcome, "done", new JsonObject().put("state", job.state().wire()));
        close();
      }
    }

    private void write(String event, JsonObject data) {
      write(String.valueOf(nextId++), event, data);
    }

    private void write(String eventId, String event, JsonObject data) {
      response.write("id: " + eventId + "\nevent: " + event + "\ndata: " + data.encode() + "\n\n");
    }

    private void close() {
      if (!ended) {
        end();
        response.end();
      }
    }

    private void end() {
      if (ended) {
        return;
      }
      ended = true;
      subscription.cancel();
      ctx.vertx().cancelTimer(heartbeat);
      ctx.vertx().cancelTimer(limit);
      holds.give(caller.subject());
    }
  }

  /** The outcome a finished job shows: its finish time in epoch ms (null while it has not finished). */
  private static Long outcome(Job job) {
    return job.state().finished() && job.finishedAt() != null ? job.finishedAt().toEpochMilli() : null;
  }

  /**
   * The {@code Last-Event-ID} a reconnecting client sent: the id it saw last ({@code id}, 0 when
   * none or not one of ours) and, when that was a {@code done} event, the outcome it reported.
   */
  private record LastEventId(long id, Long outcome) {
    private static final Pattern FORM = Pattern.compile("(\\d{1,15})(?:-(\\d{1,15}))?");

    static LastEventId of(String header) {
      Matcher matcher = header == null ? null : FORM.matcher(header);
      if (matcher == null || !matcher.matches()) {
        return new LastEventId(0, null);
      }
      return new LastEventId(Long.parseLong(matcher.group(1)),
        matcher.group(2) == null ? null : Long.valueOf(matcher.group(2)));
    }
  }

  /** Whether the client, having been sent {@code sent} and then {@code progress}, already knows all that {@code job} says. */
  private static boolean same(Job job, Job sent, Double progress) {
    return sent != null && job.state() == sent.state() && job.attempts() == sent.attempts()
      && Objects.equals(job.progress(), progress) && job.cancelRequested() == sent.cancelRequested()
      && Objects.equals(job.result(), sent.result()) && Objects.equals(job.error(), sent.error());
  }
}
