package dev.offload.webhooks;

import dev.offload.webhooks.WebhookClient.Delivery;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One delivery attempt against a real receiver on 127.0.0.1 (allowed explicitly): statuses, timeouts,
 * redirects, refusals and oversized answers all end as a {@link Delivery}, never as a failed future.
 */
@ExtendWith(VertxExtension.class)
class WebhookClientTest {
  /** The receivers of these tests are on loopback: allowed by its literal, http too. */
  private static final TargetPolicy LOOPBACK_ALLOWED = new TargetPolicy(true, List.of("127.0.0.1"));
  private static final int MAX_RESPONSE_BYTES = 4096;
  private static final Buffer BODY = Buffer.buffer("{\"event\":\"job.succeeded\",\"id\":\"j1\"}");

  /** A receiver on 127.0.0.1, on a port of its own. */
  private static Future<HttpServer> receiver(Vertx vertx, Handler<HttpServerRequest> handler) {
    return vertx.createHttpServer().requestHandler(handler).listen(0, "127.0.0.1");
  }

  private static String url(HttpServer server, String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  private static WebhookClient client(Vertx vertx, TargetPolicy policy, int timeoutSeconds) {
    return new WebhookClient(vertx, policy, timeoutSeconds, MAX_RESPONSE_BYTES);
  }

  /** A stand-in for DNS: names to addresses, every name unknown otherwise. */
  private static WebhookClient.Resolver dns(Map<String, List<String>> names, AtomicInteger lookups) {
    return host -> {
      lookups.incrementAndGet();
      List<String> literals = names.get(host);
      if (literals == null) {
        throw new UnknownHostException(host);
      }
      InetAddress[] addresses = new InetAddress[literals.size()];
      for (int i = 0; i < addresses.length; i++) {
        addresses[i] = InetAddress.getByName(literals.get(i));
      }
      return addresses;
    };
  }

  @Test
  void a2xxIsADeliveryWithTheBodyAndHeadersAsSent(Vertx vertx, VertxTestContext test) {
    Map<String, String> seen = new ConcurrentHashMap<>();
    AtomicReference<Buffer> received = new AtomicReference<>();
    WebhookClient client = client(vertx, LOOPBACK_ALLOWED, 5);
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
      .add("webhook-id", "msg_1")
      .add("webhook-timestamp", "1700000000")
      .add("webhook-signature", "v1,abc=")
      .add("Content-Type", "text/plain")          // replaced: deliveries are JSON
      .add("Host", "attacker.example")            // dropped: the URL decides the Host
      .add("Transfer-Encoding", "chunked");       // dropped: the client frames the body

    receiver(vertx, request -> request.body().onSuccess(body -> {
      received.set(body);
      seen.put("method", request.method().name());
      seen.put("uri", request.uri());
      request.headers().forEach(h -> seen.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + "|" + b));
      request.response().setStatusCode(204).end();
    }))
      .compose(server -> client.post(url(server, "/hooks/offload?tenant=a%20b"), headers, BODY)
        .map(delivery -> Map.entry(server.actualPort(), delivery)))
      .onComplete(test.succeeding(result -> test.verify(() -> {
        assertThat(result.getValue()).isEqualTo(new Delivery(204, null));
        assertThat(result.getValue().delivered()).isTrue();
        assertThat(received.get()).isEqualTo(BODY);
        assertThat(seen).containsEntry("method", "POST")
          .containsEntry("uri", "/hooks/offload?tenant=a%20b")
          .containsEntry("content-type", "application/json")
          .containsEntry("user-agent", "Offload-Webhooks/1")
          .containsEntry("host", "127.0.0.1:" + result.getKey())
          .containsEntry("webhook-id", "msg_1")
          .containsEntry("webhook-timestamp", "1700000000")
          .containsEntry("webhook-signature", "v1,abc=")
          .containsEntry("content-length", String.valueOf(BODY.length()))
          .doesNotContainKey("transfer-encoding");
        test.completeNow();
      })));
  }

  @Test
  void aServerErrorIsAFailedAttemptWithItsStatus(Vertx vertx, VertxTestContext test) {
    WebhookClient client = client(vertx, LOOPBACK_ALLOWED, 5);
    receiver(vertx, request -> request.response().setStatusCode(500).end("{\"error\":\"boom\"}"))
      .compose(server -> client.post(url(server, "/"), null, BODY))
      .onComplete(test.succeeding(delivery -> test.verify(() -> {
        assertThat(delivery).isEqualTo(new Delivery(500, "HTTP 500"));
        assertThat(delivery.delivered()).isFalse();
        assertThat(delivery.refused()).as("worth retrying").isFalse();
        test.completeNow();
      })));
  }

  @Test
  void aReceiverThatNeverAnswersTimesOutWithinAboutTheTimeout(Vertx vertx, VertxTestContext test) {
    Checkpoint reached = test.checkpoint();
    Checkpoint timedOut = test.checkpoint();
    WebhookClient client = client(vertx, LOOPBACK_ALLOWED, 1);
    AtomicReference<Long> startedAt = new AtomicReference<>();
    receiver(vertx, request -> reached.flag())   // takes the request, never answers
      .compose(server -> {
        startedAt.set(System.nanoTime());
        return client.post(url(server, "/slow"), null, BODY);
      })
      .onComplete(test.succeeding(delivery -> test.verify(() -> {
        Duration took = Duration.ofNanos(System.nanoTime() - startedAt.get());
        assertThat(delivery).isEqualTo(new Delivery(0, "timed out after 1 s"));
        assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofMillis(3000));
        timedOut.flag();
      })));
  }

  @Test
  void aReceiverThatAnswersButTricklesItsBodyIsCutOffByTheDeadline(Vertx vertx, VertxTestContext test) {
    WebhookClient client = client(vertx, LOOPBACK_ALLOWED, 1);
    AtomicReference<Long> startedAt = new AtomicReference<>();
    receiver(vertx, request -> {
      // A byte every 300 ms: never idle for a whole second, never done.
      HttpServerResponse response = request.response().setChunked(true).setStatusCode(200);
      response.write("x");
      long timer = vertx.setPeriodic(300, id -> response.write("x"));
      request.connection().closeHandler(v -> vertx.cancelTimer(timer));
    })
      .compose(server -> {
        startedAt.set(System.nanoTime());
        return client.post(url(server, "/trickle"), null, BODY);
      })
      .onComplete(test.succeeding(delivery -> test.verify(() -> {
        assertThat(delivery).isEqualTo(new Delivery(0, "timed out after 1 s"));
        assertThat(Duration.ofNanos(System.nanoTime() - startedAt.get())).isLessThan(Duration.ofMillis(3000));
        test.completeNow();
      })));
  }

  @Test
  void redirectsAreNotFollowed(Vertx vertx, VertxTestContext test) {
    AtomicInteger targetHits = new AtomicInteger();
    WebhookClient client = client(vertx, LOOPBACK_ALLOWED, 5);
    List<Integer> statuses = List.of(301, 302, 303, 307, 308);
    receiver(vertx, request -> {
      if (request.path().startsWith("/target")) {
        targetHits.incrementAndGet();
        request.response().setStatusCode(200).end();
      } else {
        int status = Integer.parseInt(request.path().substring("/moved/".length()));
        request.response().setStatusCode(status)
          .putHeader("Location", "http://127.0.0.1:" + request.localAddress().port() + "/target").end();
      }
    })
      .compose(server -> Future.all(statuses.stream()
        .map(status -> client.post(url(server, "/moved/" + status), null, BODY)).toList()))
      .onComplete(test.succeeding(all -> test.verify(() -> {
        for (int i = 0; i < statuses.size(); i++) {
          int status = statuses.get(i);
          assertThat(all.<Delivery>resultAt(i))
            .isEqualTo(new Delivery(status, "redirect not followed (HTTP " + status + ")"));
        }
        assertThat(targetHits).as("the redirect's target").hasValue(0);
        test.completeNow();
      })));
  }

  @Test
  void loopbackIsRefusedWhenNotAllowedAndTheReceiverIsNotHit(Vertx vertx, VertxTestContext test) {
    AtomicInteger hits = new AtomicInteger();
    WebhookClient client = client(vertx, new TargetPolicy(true, List.of()), 5);
    receiver(vertx, request -> {
      hits.incrementAndGet();
      request.response().end();
    })
      .compose(server -> Future.all(
        client.post(url(server, "/"), null, BODY),
        client.post("http://localhost:" + server.actualPort() + "/", null, BODY),
        client.post("http://[::1]:" + server.actualPort() + "/", null, BODY)))
      .onComplete(test.succeeding(all -> test.verify(() -> {
        assertThat(all.<Delivery>resultAt(0)).isEqualTo(new Delivery(0, "refused: 127.0.0.1 is a loopback address"));
        assertThat(all.<Delivery>resultAt(0).refused()).as("not worth retrying").isTrue();
        assertThat(all.<Delivery>resultAt(1).status()).isZero();
        assertThat(all.<Delivery>resultAt(1).problem()).matches("refused: \\S+ is a loopback address");
        assertThat(all.<Delivery>resultAt(2)).isEqualTo(new Delivery(0, "refused: 0:0:0:0:0:0:0:1 is a loopback address"));
        assertThat(hits).hasValue(0);
        test.completeNow();
      })));
  }

  @Test
  void httpIsRefusedWhenNotAllowedAndTheReceiverIsNotHit(Vertx vertx, VertxTestContext test) {
    AtomicInteger hits = new AtomicInteger();
    WebhookClient client = client(vertx, new TargetPolicy(false, List.of("127.0.0.1")), 5);
    receiver(vertx, request -> {
      hits.incrementAndGet();
      request.response().end();
    })
      .compose(server -> client.post(url(server, "/"), null, BODY))
      .onComplete(test.succeeding(delivery -> test.verify(() -> {
        assertThat(delivery).isEqualTo(new Delivery(0, "refused: the URL's scheme must be https"));
        assertThat(hits).hasValue(0);
        test.completeNow();
      })));
  }

  @Test
  void badUrlsAreRefusedWithoutAnyLookup(Vertx vertx, VertxTestContext test) {
    AtomicInteger lookups = new AtomicInteger();
    WebhookClient client = new WebhookClient(vertx, LOOPBACK_ALLOWED, 5, MAX_RESPONSE_BYTES, dns(Map.of(), lookups), null);
    Future.all(
        client.post("not a url", null, BODY),
        client.post("http://user:pw@127.0.0.1:1/", null, BODY),
        client.post("http://127.0.0.1:1/#frag", null, BODY))
      .onComplete(test.succeeding(all -> test.verify(() -> {
        assertThat(all.<Delivery>resultAt(0)).isEqualTo(new Delivery(0, "refused: the URL is not valid"));
        assertThat(all.<Delivery>resultAt(1))
          .isEqualTo(new Delivery(0, "refused: the URL must not contain a user name or password"));
        assertThat(all.<Delivery>resultAt(2)).isEqualTo(new Delivery(0, "refused: the URL must not have a fragment"));
        assertThat(lookups).hasValue(0);
        test.completeNow();
      })));
  }

  @Test
  void theConnectionGoesToTheCheckedAddressWhileHostNamesTheUrlsHost(Vertx vertx, VertxTestContext test) {
    // DNS says hooks.example.test is 127.0.0.1. If Vert.x resolved the name itself it would not find it;
    // the request reaching the receiver shows that it connected to the address that was checked.
    AtomicInteger lookups = new AtomicInteger();
    AtomicReference<String> host = new AtomicReference<>();
    TargetPolicy policy = new TargetPolicy(true, List.of("hooks.example.test"));
    WebhookClient client = new WebhookClient(vertx, policy, 5, MAX_RESPONSE_BYTES,
      dns(Map.of("hooks.example.test", List.of("127.0.0.1")), lookups), null);
    receiver(vertx, request -> {
      host.set(request.getHeader("Host"));
      request.response().setStatusCode(202).end();
    })
      .compose(server -> client.post("http://hooks.example.test:" + server.actualPort() + "/in", null, BODY)
        .map(delivery -> Map.entry(server.actualPort(), delivery)))
      .onComplete(test.succeeding(result -> test.verify(() -> {
        assertThat(result.getValue()).isEqualTo(new Delivery(202, null));
        assertThat(host.get()).isEqualTo("hooks.example.test:" + result.getKey());
        assertThat(lookups).as("resolved once, by us").hasValue(1);
        test.completeNow();
      })));
  }

  @Test
  void oneRefusedAddressAmongAllowedOnesRefusesTheAttempt(Vertx vertx, VertxTestContext test) {
    AtomicInteger hits = new AtomicInteger();
    // 127.0.0.1 is allowed by its literal, but the name also resolves to a private address.
    WebhookClient client = new WebhookClient(vertx, LOOPBACK_ALLOWED, 5, MAX_RESPONSE_BYTES,
      dns(Map.of("mixed.example.test", List.of("127.0.0.1", "10.0.0.5"),
        "metadata.example.test", List.of("169.254.169.254")), new AtomicInteger()), null);
    receiver(vertx, request -> {
      hits.incrementAndGet();
      request.response().end();
    })
      .compose(server -> Future.all(
        client.post("http://mixed.example.test:" + server.actualPort() + "/", null, BODY),
        client.post("http://metadata.example.test/latest/meta-data/", null, BODY),
        client.post("http://nowhere.example.test/", null, BODY)))
      .onComplete(test.succeeding(all -> test.verify(() -> {
        assertThat(all.<Delivery>resultAt(0)).isEqualTo(new Delivery(0, "refused: 10.0.0.5 is a private address"));
        assertThat(all.<Delivery>resultAt(1))
          .isEqualTo(new Delivery(0, "refused: 169.254.169.254 is a cloud metadata address"));
        assertThat(all.<Delivery>resultAt(2)).isEqualTo(new Delivery(0, "unknown host nowhere.example.test"));
        assertThat(hits).hasValue(0);
        test.completeNow();
      })));
  }

  @Test
  void aClosedPortIsAFailedAttempt(Vertx vertx, VertxTestContext test) {
    WebhookClient client = client(vertx, LOOPBACK_ALLOWED, 5);
    receiver(vertx, request -> request.response().end())
      .compose(server -> server.close().map(v -> server.actualPort()))
      .compose(port -> client.post("http://127.0.0.1:" + port + "/", null, BODY)
        .map(delivery -> Map.entry(port, delivery)))
      .onComplete(test.succeeding(result -> test.verify(() -> {
        assertThat(result.getValue())
          .isEqualTo(new Delivery(0, "connection refused by 127.0.0.1:" + result.getKey()));
        test.completeNow();
      })));
  }

  @Test
  void aHugeResponseBodyIsNotReadToItsEnd(Vertx vertx, VertxTestContext test) {
    Checkpoint connectionClosed = test.checkpoint();
    Checkpoint delivered = test.checkpoint();
    AtomicInteger chunksWritten = new AtomicInteger();
    WebhookClient client = client(vertx, LOOPBACK_ALLOWED, 10);
    receiver(vertx, request -> {
      // Up to 256 MiB, as fast as the client takes it: a client that read it all would take a while.
      request.connection().closeHandler(v -> connectionClosed.flag());
      HttpServerResponse response = request.response().setChunked(true).setStatusCode(200);
      stream(response, Buffer.buffer(new byte[64 * 1024]), 4096, chunksWritten);
    })
      .compose(server -> client.post(url(server, "/huge"), null, BODY))
      .onComplete(test.succeeding(delivery -> test.verify(() -> {
        assertThat(delivery).isEqualTo(new Delivery(200, null));
        assertThat(chunksWritten.get()).as("chunks written before the client hung up").isLessThan(4096);
        delivered.flag();
      })));
  }

  /** Writes {@code left} copies of {@code chunk}, as fast as the peer reads, until done or closed. */
  private static void stream(HttpServerResponse response, Buffer chunk, int left, AtomicInteger written) {
    int remaining = left;
    while (remaining > 0 && !response.closed() && !response.writeQueueFull()) {
      response.write(chunk);
      written.incrementAndGet();
      remaining--;
    }
    if (response.closed()) {
      return;
    }
    if (remaining == 0) {
      response.end();
      return;
    }
    int next = remaining;
    response.drainHandler(v -> stream(response, chunk, next, written));
  }

  @Test
  void aClosedClientStillAnswersWithADelivery(Vertx vertx, VertxTestContext test) {
    WebhookClient client = client(vertx, LOOPBACK_ALLOWED, 5);
    receiver(vertx, request -> request.response().end())
      .compose(server -> client.close().compose(v -> client.post(url(server, "/"), null, BODY)))
      .onComplete(test.succeeding(delivery -> test.verify(() -> {
        assertThat(delivery).isEqualTo(new Delivery(0, "the webhook client is closed"));
        test.completeNow();
      })));
  }
}
