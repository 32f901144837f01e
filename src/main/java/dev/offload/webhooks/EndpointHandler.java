package dev.offload.webhooks;

import dev.offload.config.ConfigException;
import dev.offload.config.OffloadConfig;
import dev.offload.jobs.JobContext;
import dev.offload.jobs.JobHandler;
import dev.offload.jobs.JobTypes;
import dev.offload.jobs.PermanentFailure;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.time.Instant;
import java.util.function.BiFunction;

/**
 * Runs the attempts of an <em>endpoint type</em> (a {@code jobTypes} section with an
 * {@code endpoint}) by calling that URL: one signed {@code POST} per attempt, made by the worker node
 * that claimed it. Non-blocking: {@link #run} returns at once, on the event loop.
 *
 * <p><b>The request</b> is JSON, {@code {"id", "type", "attempt", "input", "owner"}}, signed the
 * Standard Webhooks way with the {@code webhooks.secret} secrets ({@link WebhookSigner}):
 * {@code webhook-id} is {@code <jobId>_<attempt>} (the same if the node sends the attempt again, a
 * new one for the next attempt), {@code webhook-timestamp} and {@code webhook-signature}. It goes
 * through a {@link WebhookClient}, so the webhook rules hold: {@code https} only unless
 * {@code webhooks.allowHttp}; public addresses only unless the host is in {@code webhooks.allowHosts};
 * the address resolved once (off the event loop) and the connection pinned to it; no redirect
 * followed; at most {@value #MAX_ANSWER_BYTES} bytes of the answer read.
 *
 * <p><b>Its time</b> is the attempt's: the dispatcher ends the attempt at its timeout (the type's
 * {@code timeoutSeconds}, or the submission's own) and cancels it, and the cancellation resets the
 * request ({@link JobContext#onCancel}). The client's own deadline is only a backstop beyond any
 * attempt's timeout.
 *
 * <p><b>The answer</b> decides the attempt:
 * <ul>
 *   <li>{@code 2xx} with a JSON object: that object is the job's result; an empty body is {@code {}};
 *       any other body fails the job at once ({@code bad_result});</li>
 *   <li>{@code 4xx} but {@code 408} and {@code 429}: the endpoint refuses the job, which fails at once
 *       ({@code endpoint_refused}), with the answer's problem {@code detail}, else its {@code title},
 *       else the start of its body, and the status;</li>
 *   <li>{@code 408}, {@code 429}, {@code 5xx}, a redirect, an answer too large or cut short, no answer
 *       (refused connection, TLS error, unknown host): the attempt fails, and the job is retried with
 *       backoff while it has attempts left;</li>
 *   <li>a target the policy refuses (an address not allowed): the job fails at once
 *       ({@code endpoint_not_allowed}).</li>
 * </ul>
 */
public final class EndpointHandler implements JobHandler {
  /** The most of an answer read; a larger one fails the attempt. */
  static final int MAX_ANSWER_BYTES = 1024 * 1024;
  /** The characters of a refusal's body quoted in the job's error when it has no problem detail. */
  static final int QUOTED_CHARS = 200;
  /** The longest detail of a refusal kept in the job's error. */
  static final int MAX_DETAIL_CHARS = 1000;
  /** The client's own deadline: the longest timeout an attempt can have (a submission's own at most). */
  private static final int BACKSTOP_SECONDS = 7 * 24 * 3600;
  private static final JsonObject ANY_OBJECT = new JsonObject().put("type", "object");

  private final String type;
  private final String url;
  private final int timeoutSeconds;
  private final TargetPolicy policy;
  private final WebhookSigner signer;
  /** Made on the first attempt, on the Vert.x (and the verticle) that runs this type's attempts. */
  private WebhookClient client;

  private EndpointHandler(String type, String url, int timeoutSeconds, TargetPolicy policy, WebhookSigner signer) {
    this.type = type;
    this.url = url;
    this.timeoutSeconds = timeoutSeconds;
    this.policy = policy;
    this.signer = signer;
  }

  /**
   * What {@code JobTypes.load} needs to make the handler of each endpoint type.
   *
   * @throws ConfigException (from the function, naming {@code jobTypes.<type>.endpoint}) when webhooks
   *     are off (no {@code webhooks.secret}: the calls are signed with it), or the URL is not one the
   *     webhook rules accept (not {@code https} while {@code webhooks.allowHttp} is false, user info,
   *     a fragment)
   */
  public static BiFunction<String, OffloadConfig.JobTypeSettings, JobHandler> factory(OffloadConfig.Webhooks webhooks) {
    return (type, settings) -> {
      String key = "config key 'jobTypes." + type + ".endpoint'";
      if (!webhooks.enabled()) {
        throw new ConfigException(key + " needs webhooks (config key 'webhooks.secret'): endpoint calls are "
          + "signed like webhooks");
      }
      TargetPolicy policy = new TargetPolicy(webhooks.allowHttp(), webhooks.allowHosts());
      String problem = policy.problemWithUrl(settings.endpoint());
      if (problem != null) {
        throw new ConfigException(key + ": " + problem
          + (webhooks.allowHttp() ? "" : " (plain http needs config key 'webhooks.allowHttp')"));
      }
      WebhookSigner signer;
      try {
        signer = WebhookSigner.of(webhooks.secrets());
      } catch (IllegalArgumentException e) {
        throw new ConfigException("config key 'webhooks.secret': " + e.getMessage());
      }
      int timeout = settings.timeoutSeconds() != null ? settings.timeoutSeconds() : JobTypes.ENDPOINT_TIMEOUT_SECONDS;
      return new EndpointHandler(type, settings.endpoint(), timeout, policy, signer);
    };
  }

  @Override
  public String type() {
    return type;
  }

  /** The host only: the URL's path or query may carry a token, and job types are shown to every caller. */
  @Override
  public String description() {
    return "Runs at " + URI.create(url).getHost();
  }

  @Override
  public JsonObject inputSchema() {
    return ANY_OBJECT;
  }

  @Override
  public int timeoutSeconds() {
    return timeoutSeconds;
  }

  @Override
  public Future<JsonObject> run(JobContext context) {
    String body = new JsonObject()
      .put("id", context.id().toString())
      .put("type", type)
      .put("attempt", context.attempt())
      .put("input", context.input())
      .put("owner", context.owner())
      .encode();
    String id = context.id() + "_" + context.attempt();
    long timestamp = Instant.now().getEpochSecond();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
      .set(HttpHeaders.ACCEPT, "application/json")
      .set("webhook-id", id)
      .set("webhook-timestamp", String.valueOf(timestamp))
      .set("webhook-signature", signer.signature(id, timestamp, body));
    Promise<Void> cancelled = Promise.promise();
    context.onCancel(cancelled::tryComplete);
    return client(context).call(url, headers, Buffer.buffer(body), cancelled.future()).map(answer -> {
      if (context.cancelled()) {
        throw new JobContext.CancelledException();
      }
      return result(answer);
    });
  }

  /**
   * The client, made on the first attempt: by then the Vert.x that runs the attempts is known, and a
   * node that only serves the API never makes one. Its pool never makes a call wait for a connection:
   * the dispatcher already bounds the calls in flight by the type's concurrency.
   */
  private synchronized WebhookClient client(JobContext context) {
    if (client == null) {
      client = new WebhookClient(context.vertx(), policy, BACKSTOP_SECONDS, MAX_ANSWER_BYTES,
        OffloadConfig.CONSUMER_BUFFER);
    }
    return client;
  }

  /** The job's result for {@code answer}, or the exception that fails the attempt (or the job). */
  static JsonObject result(WebhookClient.Answer answer) {
    WebhookClient.Delivery delivery = answer.delivery();
    int status = delivery.status();
    if (delivery.refused()) {
      throw new PermanentFailure("endpoint_not_allowed", "the endpoint is not allowed: "
        + delivery.problem().substring(WebhookClient.REFUSED.length())
        + " (config keys 'webhooks.allowHttp', 'webhooks.allowHosts')");
    }
    if (status == 0) {
      throw new IllegalStateException("the endpoint call failed: " + delivery.problem());
    }
    if (status >= 200 && status < 300) {
      if (answer.bodyProblem() != null) {
        throw new IllegalStateException("the endpoint's answer (HTTP " + status + ") was " + answer.bodyProblem());
      }
      return object(answer.body(), status);
    }
    if (status >= 400 && status < 500 && status != 408 && status != 429) {
      throw new PermanentFailure("endpoint_refused", "the endpoint refused the job (HTTP " + status + "): "
        + detail(answer.body()));
    }
    if (status >= 400) {
      throw new IllegalStateException("the endpoint answered HTTP " + status + ": " + detail(answer.body()));
    }
    throw new IllegalStateException("the endpoint answered " + delivery.problem());
  }

  /** A 2xx body as the job's result: a JSON object, or nothing at all ({@code {}}). */
  private static JsonObject object(Buffer body, int status) {
    if (body.toString().isBlank()) {
      return new JsonObject();
    }
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (DecodeException e) {
      value = null;
    }
    if (value instanceof JsonObject result) {
      return result;
    }
    throw new PermanentFailure("bad_result", "the endpoint answered HTTP " + status
      + " with a body that is not a JSON object: " + quoted(body.toString()));
  }

  /** What a refusal says: its problem {@code detail}, else its {@code title}, else the start of its body. */
  private static String detail(Buffer body) {
    String text = body.toString();
    if (text.isBlank()) {
      return "no details";
    }
    try {
      if (Json.decodeValue(body) instanceof JsonObject problem) {
        for (String field : new String[] {"detail", "title"}) {
          if (problem.getValue(field) instanceof String said && !said.isBlank()) {
            return said.length() <= MAX_DETAIL_CHARS ? said : said.substring(0, MAX_DETAIL_CHARS) + "...";
          }
        }
      }
    } catch (DecodeException notJson) {
      // quoted as it is
    }
    return quoted(text);
  }

  private static String quoted(String text) {
    return text.length() <= QUOTED_CHARS ? text : text.substring(0, QUOTED_CHARS) + "...";
  }
}
