package dev.offload.http;

import dev.offload.support.EventStreamClient;
import dev.offload.support.EventStreamClient.Event;
import dev.offload.support.EventStreamClient.Stream;
import dev.offload.support.TestService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/v1/jobs/{id}/events}: a job's life as Server-Sent Events, read as a browser's EventSource would. */
@ExtendWith(VertxExtension.class)
class EventStreamTest {

  private static TestService start(Vertx vertx, Path dir, JsonObject api) {
    return TestService.start(vertx, dir, "api", api);
  }

  private static Stream open(TestService service, HttpClient client, String id, String token, String lastEventId) {
    return await(EventStreamClient.open(client, service.port(), "/api/v1/jobs/" + id + "/events", token, lastEventId));
  }

  private static List<String> names(List<Event> events) {
    return events.stream().map(Event::event).toList();
  }

  @Test
  void aStreamFollowsAJobFromQueuedToItsEndThenCloses(Vertx vertx, @TempDir Path dir) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    HttpClient client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 3)).getString("id");

    Stream stream = open(service, client, id, alice, null);
    assertThat(stream.status()).isEqualTo(200);
    assertThat(stream.response.getHeader("Content-Type")).startsWith("text/event-stream");
    await(stream.ended());

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
    // Every event has an id, increasing, so a client can resume from the last it saw.
    assertThat(events).extracting(Event::id).doesNotContainNull();
    List<Long> ids = events.stream().map(e -> Long.parseLong(e.id())).toList();
    assertThat(ids).isSorted().doesNotHaveDuplicates();
    assertThat(stream.retry()).isEqualTo(String.valueOf(EventStream.RETRY_MILLIS));
  }

  @Test
  void aClientThatReconnectsWithLastEventIdGetsWhatItMissed(Vertx vertx, @TempDir Path dir) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    HttpClient client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 2)).getString("id");

    Stream first = open(service, client, id, alice, null);
    Event seen = await(first.next(e -> e.event().equals("state")));
    await(first.close());
    // The job goes on, and finishes, while nobody listens.
    service.awaitState(alice, id, Duration.ofSeconds(20), "succeeded");

    Stream again = open(service, client, id, alice, seen.id());
    await(again.ended());

    List<Event> events = again.events();
    assertThat(names(events)).containsExactly("state", "done");
    assertThat(events.get(0).json().getString("state")).isEqualTo("succeeded");
    assertThat(events.get(0).json().getJsonObject("result")).isEqualTo(new JsonObject().put("sleptSeconds", 2));
    assertThat(Long.parseLong(events.get(0).id())).isGreaterThan(Long.parseLong(seen.id()));
  }

  @Test
  void aStreamOfAFinishedJobSendsItsStateAndClosesAtOnce(Vertx vertx, @TempDir Path dir) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    HttpClient client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 0)).getString("id");
    service.awaitState(alice, id, Duration.ofSeconds(20), "succeeded");

    Stream stream = open(service, client, id, alice, null);
    await(stream.ended());

    assertThat(names(stream.events())).containsExactly("state", "done");
    assertThat(stream.events().get(1).json()).isEqualTo(new JsonObject().put("state", "succeeded"));
  }

  @Test
  void anotherOwnersJobIsNotFound(Vertx vertx, @TempDir Path dir) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    String bob = service.token("bob", TestService.READ_WRITE);
    HttpClient client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 30)).getString("id");

    Stream stream = open(service, client, id, bob, null);
    await(stream.ended());

    assertThat(stream.status()).isEqualTo(404);
    assertThat(stream.response.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(stream.events()).isEmpty();
    assertThat(open(service, client, "not-a-job", alice, null).status()).isEqualTo(404);
  }

  @Test
  void aCancelledJobEndsItsStream(Vertx vertx, @TempDir Path dir) {
    TestService service = start(vertx, dir, null);
    String alice = service.token("alice", TestService.READ_WRITE);
    HttpClient client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 60)).getString("id");
    service.awaitState(alice, id, Duration.ofSeconds(10), "running");

    Stream stream = open(service, client, id, alice, null);
    await(stream.next(e -> e.event().equals("state")));
    service.delete("/api/v1/jobs/" + id, alice);
    await(stream.ended());

    List<Event> states = stream.events().stream().filter(e -> e.event().equals("state")).toList();
    assertThat(states.get(states.size() - 1).json().getString("state")).isEqualTo("cancelled");
    assertThat(names(stream.events())).endsWith("done");
  }

  @Test
  void heartbeatsKeepTheStreamAliveAndItEndsAtItsTimeLimitWithARetryHint(Vertx vertx, @TempDir Path dir) {
    TestService service = start(vertx, dir, new JsonObject().put("heartbeatSeconds", 1).put("maxStreamSeconds", 3));
    String alice = service.token("alice", TestService.READ_WRITE);
    HttpClient client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 60)).getString("id");

    Stream stream = open(service, client, id, alice, null);
    await(stream.ended());

    assertThat(stream.comments()).contains("heartbeat");
    assertThat(stream.comments()).anyMatch(c -> c.contains("time limit"));
    assertThat(stream.retry()).isEqualTo(String.valueOf(EventStream.RETRY_MILLIS));
    assertThat(names(stream.events())).doesNotContain("done");
    assertThat(TestService.poll(() -> service.scrape().value("offload_http_streams"), n -> n == 0,
      Duration.ofSeconds(10))).isEqualTo(0.0);
  }

  @Test
  void streamsAreBoundedPerOwnerAndClosingOneFreesItsPlace(Vertx vertx, @TempDir Path dir) {
    TestService service = start(vertx, dir, new JsonObject().put("maxStreamsPerOwner", 1));
    String alice = service.token("alice", TestService.READ_WRITE);
    HttpClient client = vertx.createHttpClient();
    String id = service.submit(alice, "sleep", new JsonObject().put("seconds", 60)).getString("id");

    Stream first = open(service, client, id, alice, null);
    assertThat(first.status()).isEqualTo(200);
    Stream second = open(service, client, id, alice, null);
    assertThat(second.status()).isEqualTo(429);
    assertThat(second.response.getHeader("Retry-After")).isEqualTo("1");

    await(first.close());
    assertThat(TestService.poll(() -> open(service, client, id, alice, null).status(), status -> status == 200,
      Duration.ofSeconds(10))).isEqualTo(200);
  }

  @Test
  void aThousandOpenStreamsKeepTheEventLoopResponsive(Vertx vertx, @TempDir Path dir) {
    TestService service = start(vertx, dir, new JsonObject().put("maxStreamsPerOwner", 2000));
    String alice = service.token("alice", TestService.READ_WRITE);
    List<String> jobs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      jobs.add(service.submit(alice, "sleep", new JsonObject().put("seconds", 8)).getString("id"));
    }
    // The clients run on a Vert.x of their own: the lag measured is the service's, not theirs.
    Vertx clients = Vertx.vertx();
    try {
      HttpClient client = clients.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(1000));
      List<Future<Stream>> opening = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        opening.add(EventStreamClient.open(client, service.port(), "/api/v1/jobs/" + jobs.get(i % 10) + "/events",
          alice, null));
      }
      List<Stream> streams = await(Future.all(opening)).list();
      assertThat(streams).allSatisfy(stream -> assertThat(stream.status()).isEqualTo(200));
      assertThat(TestService.poll(() -> service.scrape().value("offload_http_streams"), n -> n == 1000,
        Duration.ofSeconds(20))).isEqualTo(1000.0);

      // While the jobs report progress to all of them, and then finish, the loop stays on time.
      double[] worst = {0};
      TestService.poll(() -> service.scrape().max("offload_event_loop_lag_seconds"), lag -> {
        worst[0] = Math.max(worst[0], lag);
        return streams.stream().allMatch(stream -> stream.ended().isComplete());
      }, Duration.ofSeconds(60));
      assertThat(streams).allSatisfy(stream -> assertThat(names(stream.events())).endsWith("state", "done"));
      assertThat(worst[0]).as("worst event-loop lag, seconds").isLessThan(0.050);
    } finally {
      await(clients.close());
    }
  }
}
