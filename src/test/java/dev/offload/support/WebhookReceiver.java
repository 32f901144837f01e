package dev.offload.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver for tests, on 127.0.0.1: it answers {@code failures} times with 500, then
 * 200, and keeps every request. {@link #verify} checks a request's signature as the Standard
 * Webhooks specification tells a receiver to, written here from the specification, not from
 * Offload's signer.
 */
public final class WebhookReceiver {
  /** One request as received. */
  public record Received(MultiMap headers, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  private final HttpServer server;
  private final List<Received> received = new ArrayList<>();
  private final AtomicInteger failuresLeft;

  private WebhookReceiver(HttpServer server, int failures) {
    this.server = server;
    this.failuresLeft = new AtomicInteger(failures);
  }

  /** Starts a receiver that fails the first {@code failures} deliveries. */
  public static WebhookReceiver start(Vertx vertx, int failures) {
    HttpServer server = vertx.createHttpServer();
    WebhookReceiver receiver = new WebhookReceiver(server, failures);
    server.requestHandler(request -> request.body().onSuccess(body -> {
      receiver.add(new Received(MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body.toString()));
      request.response().setStatusCode(receiver.failuresLeft.getAndDecrement() > 0 ? 500 : 200).end();
    }));
    TestService.await(server.listen(0, "127.0.0.1"));
    return receiver;
  }

  private synchronized void add(Received request) {
    received.add(request);
  }

  public synchronized List<Received> received() {
    return List.copyOf(received);
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/hooks/offload";
  }

  public Future<Void> close() {
    return server.close();
  }

  /**
   * Whether {@code request} carries a valid signature by {@code secret} ({@code whsec_<base64>}):
   * the signed content is {@code id.timestamp.body}, signed with HMAC-SHA256 under the secret's
   * decoded bytes, and {@code webhook-signature} lists space-separated {@code v1,<base64>} signatures.
   */
  public static boolean verify(Received request, String secret) {
    try {
      byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      String content = request.headers().get("webhook-id") + "." + request.headers().get("webhook-timestamp") + "."
        + request.body();
      byte[] expected = mac.doFinal(content.getBytes(StandardCharsets.UTF_8));
      for (String signature : request.headers().get("webhook-signature").split(" ")) {
        if (signature.startsWith("v1,")
          && MessageDigest.isEqual(expected, Base64.getDecoder().decode(signature.substring(3)))) {
          return true;
        }
      }
      return false;
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
