package dev.offload.http;

import dev.offload.support.EventStreamClient;
import dev.offload.support.EventStreamClient.Event;
import dev.offload.support.EventStreamClient.Stream;
import dev.offload.support.Ordered;
import dev.offload.support.TestService;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/v1/jobs/{id}/events}: a job's life as Server-Sent Events, read as a browser's EventSource would. */
@ExtendWith(VertxExtension.class)
class EventStreamTest {

  private static TestService start(Vertx vertx, Path dir, JsonObject api) {
    return TestService.start(vertx, dir, "api", api);
  }

  /**
   * The streams' client, held by the test instance: a Vert.x HttpClient that nothing references
   * is closed by its cleaner, with the streams on it, once the test method has returned.
   */
  private HttpClient client;
  /** The Vert.x of the thousand clients, closed after the test whatever its outcome. */
  private Vertx clients;

  @AfterEach
  void closeClients() {
    if (clients != null) {
      await(clients.close());
    }
  }

  private static Future<Stream> open(TestService service, HttpClient client, String id, String token,
    String lastEventId) {
    return EventStreamClient.open(client, service.port(), "/api/v1/jobs/" + id + "/events", token, lastEventId);
  }

  private static List<String> names(List<Event> events) {
    return events.stream().map(Event::event).toList();
  }

  @Test
  void aStreamFollowsAJobFromQueuedToItsEndThenCloses(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 3)).getString("id");
    Handler<Event> expected = Ordered.inOrder(ctx, Event::event, "state", "progress", "progress", "state", "done");
    Checkpoint closed = ctx.checkpoint();

    open(service, client, id, alice, null).onComplete(ctx.succeeding(stream -> ctx.verify(() -> {
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.response.getHeader("Content-Type")).startsWith("text/event-stream");
      stream.eventHandler(expected);
      stream.ended().onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        List<Event> events = stream.events();
        List<String> names = names(events);
        assertThat(names.get(0)).isEqualTo("state");
        assertThat(names).containsSubsequence("state", "progress", "progress", "state", "done");
        assertThat(names.get(names.size() - 1)).isEqualTo("done");
        List<String> states = events.stream().filter(e -> e.event().equals("state"))
          .map(e -> e.json().getString("state")).toList();
        assertThat(states).contains("running").endsWith("succeeded");
        assertThat(states.get(0)).isIn("queued", "running");
        Event last = events.get(events.size() - 2);
        assertThat(last.json().getString("id")).isEqualTo(id);
        assertThat(last.json().getJsonObject("result")).isEqualTo(new JsonObject().put("sleptSeconds", 3));
        List<Double> progress = events.stream().filter(e -> e.event().equals("progress"))
          .map(e -> e.json().getDouble("progress")).toList();
        assertThat(progress).isSorted().allSatisfy(p -> assertThat(p).isBetween(0.0, 1.0));
        // Every event has an id, increasing, so a client can resume from the last it saw; the
        // done event's also names the outcome (<n>-<finishedAt in epoch ms>).
        assertThat(events).extracting(Event::id).doesNotContainNull();
        List<Long> ids = events.stream().map(e -> Long.parseLong(e.id().replaceFirst("-.*", ""))).toList();
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        assertThat(events.get(events.size() - 1).id()).matches("\\d+-\\d+");
        assertThat(stream.retry()).isEqualTo(String.valueOf(EventStream.RETRY_MILLIS));
        closed.flag();
      })));
    })));
  }

  @Test
  void aClientThatReconnectsWithLastEventIdGetsWhatItMissed(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 2)).getString("id");
    Checkpoint firstState = ctx.checkpoint();
    Handler<Event> missed = Ordered.exactly(ctx, Event::event, "state", "done");
    Checkpoint closed = ctx.checkpoint();

    Future<Event> seen = open(service, client, id, alice, null)
      .compose(first -> first.next(e -> e.event().equals("state")).compose(event -> first.close().map(event)))
      .andThen(ctx.succeeding(event -> firstState.flag()));
    seen
      // The job goes on, and finishes, while nobody listens.
      .compose(event -> TestService.blocking(vertx, () -> service.awaitState(alice, id, Duration.ofSeconds(20), "succeeded")))
      .compose(job -> open(service, client, id, alice, seen.result().id()))
      .onComplete(ctx.succeeding(again -> {
        again.eventHandler(missed);
        again.ended().onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          List<Event> events = again.events();
          assertThat(names(events)).containsExactly("state", "done");
          assertThat(events.get(0).json().getString("state")).isEqualTo("succeeded");
          assertThat(events.get(0).json().getJsonObject("result")).isEqualTo(new JsonObject().put("sleptSeconds", 2));
          assertThat(Long.parseLong(events.get(0).id())).isGreaterThan(Long.parseLong(seen.result().id()));
          closed.flag();
        })));
      }));
  }

  @Test
  void aStreamOfAFinishedJobSendsItsStateAndClosesAtOnce(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id");
    service.awaitState(alice, id, Duration.ofSeconds(20), "succeeded");
    Handler<Event> expected = Ordered.exactly(ctx, Event::event, "state", "done");
    Checkpoint closed = ctx.checkpoint();

    open(service, client, id, alice, null).onComplete(ctx.succeeding(stream -> {
      stream.eventHandler(expected);
      stream.ended().onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        assertThat(names(stream.events())).containsExactly("state", "done");
        assertThat(stream.events().get(1).json()).isEqualTo(new JsonObject().put("state", "succeeded"));
        closed.flag();
      })));
    }));
  }

  /**
   * An EventSource that does not close on {@code done} reconnects with the done event's id: it has
   * seen everything, and {@code 204} tells it to stop. A reconnect from before the end (the
   * connection dropped, the job finished meanwhile) still gets the outcome.
   */
  @Test
  void aReconnectAfterTheDoneEventIs204AndOneFromBeforeTheEndGetsTheOutcome(Vertx vertx, VertxTestContext ctx,
                                                                          @TempDir Path dir) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id");
    JsonObject job = service.awaitState(alice, id, Duration.ofSeconds(20), "succeeded");
    long finishedAt = Instant.parse(job.getString("finishedAt")).toEpochMilli();

    open(service, client, id, alice, null)
      .compose(first -> first.ended().map(v -> first.events()))
      .compose(first -> {
        ctx.verify(() -> {
          assertThat(names(first)).containsExactly("state", "done");
          assertThat(first.get(1).id()).isEqualTo((Long.parseLong(first.get(0).id()) + 1) + "-" + finishedAt);
        });
        return open(service, client, id, alice, first.get(1).id())
          .compose(afterDone -> afterDone.ended().map(v -> afterDone))
          .compose(afterDone -> {
            ctx.verify(() -> {
              assertThat(afterDone.status()).isEqualTo(204);
              assertThat(afterDone.events()).isEmpty();
            });
            return open(service, client, id, alice, first.get(0).id());
          });
      })
      .compose(beforeEnd -> beforeEnd.ended().map(v -> beforeEnd))
      .onComplete(ctx.succeeding(beforeEnd -> ctx.verify(() -> {
        assertThat(beforeEnd.status()).isEqualTo(200);
        assertThat(names(beforeEnd.events())).containsExactly("state", "done");
        assertThat(beforeEnd.events().get(0).json().getString("state")).isEqualTo("succeeded");
        ctx.completeNow();
      })));
  }

  @Test
  void anotherOwnersJobIsNotFound(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    String bob = service.token("bob", TestService.READ_WRITE);
    client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 30)).getString("id");
    Checkpoint notBobs = ctx.checkpoint();
    Checkpoint noSuchJob = ctx.checkpoint();

    open(service, client, id, bob, null).onComplete(ctx.succeeding(stream -> {
      stream.eventHandler(event -> ctx.failNow(new AssertionError("an event for another owner: " + event)));
      stream.ended().onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        assertThat(stream.status()).isEqualTo(404);
        assertThat(stream.response.getHeader("Content-Type")).isEqualTo("application/problem+json");
        assertThat(stream.events()).isEmpty();
        notBobs.flag();
      })));
    }));
    open(service, client, "not-a-job", alice, null).onComplete(ctx.succeeding(stream -> ctx.verify(() -> {
      assertThat(stream.status()).isEqualTo(404);
      noSuchJob.flag();
    })));
  }

  @Test
  void aCancelledJobEndsItsStream(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 60)).getString("id");
    service.awaitState(alice, id, Duration.ofSeconds(10), "running");
    Handler<Event> expected = Ordered.inOrder(ctx, Event::event, "state", "state", "done");
    Checkpoint cancelSent = ctx.checkpoint();
    Checkpoint closed = ctx.checkpoint();

    open(service, client, id, alice, null).onComplete(ctx.succeeding(stream -> {
      stream.eventHandler(expected);
      stream.next(e -> e.event().equals("state"))
        .compose(first -> service.request(HttpMethod.DELETE, "/api/v1/jobs/" + id, alice).send())
        .onComplete(ctx.succeeding(response -> cancelSent.flag()));
      stream.ended().onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        List<Event> states = stream.events().stream().filter(e -> e.event().equals("state")).toList();
        assertThat(states.get(states.size() - 1).json().getString("state")).isEqualTo("cancelled");
        assertThat(names(stream.events())).endsWith("done");
        closed.flag();
      })));
    }));
  }

  @Test
  void heartbeatsKeepTheStreamAliveAndItEndsAtItsTimeLimitWithARetryHint(Vertx vertx, VertxTestContext ctx,
    @TempDir Path dir) {
    TestService service = start(vertx, dir, new JsonObject().put("heartbeatSeconds", 1).put("maxStreamSeconds", 3));
    String alice = service.token("alice", TestService.READ_WRITE);
    client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 60)).getString("id");
    Checkpoint heartbeat = ctx.laxCheckpoint();
    Checkpoint timeLimit = ctx.checkpoint();
    Checkpoint released = ctx.checkpoint();

    open(service, client, id, alice, null).onComplete(ctx.succeeding(stream -> {
      stream.commentHandler(comment -> {
        if (comment.equals("heartbeat")) {
          heartbeat.flag();
        } else if (comment.contains("time limit")) {
          timeLimit.flag();
        }
      });
      stream.ended()
        .andThen(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(stream.comments()).contains("heartbeat");
          assertThat(stream.comments()).anyMatch(c -> c.contains("time limit"));
          assertThat(stream.retry()).isEqualTo(String.valueOf(EventStream.RETRY_MILLIS));
          assertThat(names(stream.events())).doesNotContain("done");
        })))
        .compose(v -> TestService.blocking(vertx, () -> TestService.poll(
          () -> service.scrape().value("offload_http_streams"), n -> n == 0, Duration.ofSeconds(10))))
        .onComplete(ctx.succeeding(open -> ctx.verify(() -> {
          assertThat(open).as("streams still open on the node").isEqualTo(0.0);
          released.flag();
        })));
    }));
  }

  @Test
  void streamsAreBoundedPerOwnerAndClosingOneFreesItsPlace(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) {
    TestService service = start(vertx, dir, new JsonObject().put("maxStreamsPerOwner", 1));
    String alice = service.token("alice", TestService.READ_WRITE);
    client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 60)).getString("id");
    Checkpoint admitted = ctx.checkpoint();
    Checkpoint refused = ctx.checkpoint();
    Checkpoint freed = ctx.checkpoint();

    open(service, client, id, alice, null)
      .andThen(ctx.succeeding(first -> ctx.verify(() -> {
        assertThat(first.status()).isEqualTo(200);
        admitted.flag();
      })))
      .compose(first -> open(service, client, id, alice, null)
        .andThen(ctx.succeeding(second -> ctx.verify(() -> {
          assertThat(second.status()).isEqualTo(429);
          assertThat(second.response.getHeader("Retry-After")).isEqualTo("1");
          refused.flag();
        })))
        .compose(second -> first.close()))
      .compose(v -> TestService.blocking(vertx, () -> TestService.poll(
        () -> await(open(service, client, id, alice, null)).status(), status -> status == 200, Duration.ofSeconds(10))))
      .onComplete(ctx.succeeding(status -> ctx.verify(() -> {
        assertThat(status).isEqualTo(200);
        freed.flag();
      })));
  }

  @Test
  @Tag("slow") // a thousand connections
  @Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
  void aThousandOpenStreamsAllFollowTheirJobToTheEnd(@TempDir Path dir, Vertx vertx, VertxTestContext ctx) {
    // How responsive the event loop stays meanwhile is measured by make bench (scenario 11), not here.
    TestService service = start(vertx, dir, new JsonObject().put("maxStreamsPerOwner", 2000));
    String alice = service.token("alice", TestService.READ_WRITE);
    List<String> jobs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      jobs.add(service.submit(alice, "sleep", new JsonObject().put("seconds", 4)).getString("id"));
    }
    Checkpoint finished = ctx.checkpoint(1000);
    Checkpoint allOpen = ctx.checkpoint();
    clients = Vertx.vertx();
    client = clients.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(1000));
    List<Future<Stream>> opening = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      opening.add(open(service, client, jobs.get(i % 10), alice, null)
        .andThen(ctx.succeeding(stream -> stream.ended().onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(names(stream.events())).endsWith("state", "done");
          finished.flag();
        }))))));
    }
    Future.all(opening).map(all -> all.<Stream>list())
      .andThen(ctx.succeeding(streams -> ctx.verify(() ->
        assertThat(streams).allSatisfy(stream -> assertThat(stream.status()).isEqualTo(200)))))
      .compose(streams -> TestService.blocking(vertx, () -> TestService.poll(
        () -> service.scrape().value("offload_http_streams"), n -> n == 1000, Duration.ofSeconds(20))))
      .onComplete(ctx.succeeding(held -> ctx.verify(() -> {
        assertThat(held).as("streams open on the node").isEqualTo(1000.0);
        allOpen.flag();
      })));
  }
}
