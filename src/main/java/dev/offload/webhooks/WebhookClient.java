package dev.offload.webhooks;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;

import javax.net.ssl.SSLException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * One webhook delivery attempt: a POST of a JSON body to a caller's URL, guarded by a {@link TargetPolicy}.
 * Retries, signing and bookkeeping are the caller's; this class only makes the attempt safely and says
 * how it went.
 *
 * <p>Why it is more than {@code client.request(...)}:
 * <ul>
 *   <li>The host is resolved here, on a small worker pool of its own (DNS blocks, and a slow resolver
 *       must not hold up the workers the job store uses), and the attempt is refused when <em>any</em> of
 *       its addresses is refused by the policy.</li>
 *   <li>The connection then goes to the checked address itself ({@link RequestOptions#setServer}), while
 *       the Host header, TLS SNI and certificate check use the name. Vert.x never resolves the name
 *       again, so a DNS answer that changes between check and connect (DNS rebinding) cannot steer the
 *       request elsewhere.</li>
 *   <li>Redirects are never followed: the target would escape the check, and the Standard Webhooks
 *       guidance counts a 3xx as a failed delivery.</li>
 *   <li>One deadline covers the whole attempt (resolution, connection, request, response) besides the
 *       connect and idle timeouts, so a receiver that trickles bytes cannot hold it open.</li>
 *   <li>At most {@code maxResponseBytes} of the response body are read, then the connection is closed:
 *       a receiver must not be able to make us read without end.</li>
 * </ul>
 *
 * <p>{@link #post} (webhooks: only the status matters) and {@link #call} (endpoint job types, which
 * also need the body, see {@link EndpointHandler}) never fail their future and never block: every
 * outcome, refusals included, is a {@link Delivery} (with the body read, an {@link Answer}).
 * Thread-safe; each attempt runs on one Vert.x context.
 */
public final class WebhookClient {
  /** The User-Agent of every delivery. */
  public static final String USER_AGENT = "Offload-Webhooks/1";
  /** How the problem of a delivery the policy refused begins. */
  static final String REFUSED = "refused: ";

  /** Caller headers that would change how the request is framed or routed: ours decide those. */
  private static final Set<String> RESERVED_HEADERS = Set.of("host", "content-length", "transfer-encoding",
    "connection", "keep-alive", "upgrade", "te", "trailer", "proxy-connection", "proxy-authorization",
    "expect");

  private static final String DNS_POOL = "offload-webhook-dns";
  private static final int DNS_POOL_SIZE = 4;

  /**
   * How a host becomes its addresses. Blocking: it is called on a worker thread. Package-private so that
   * tests can stand in for DNS.
   */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /**
   * How one attempt went.
   *
   * @param status the HTTP status, or 0 when no HTTP answer came (refused, unreachable, timed out)
   * @param problem null when the receiver answered 2xx, else a few words: {@code "HTTP 500"},
   *     {@code "timed out after 10 s"}, {@code "refused: 10.0.0.5 is a private address"},
   *     {@code "redirect not followed (HTTP 302)"}
   */
  public record Delivery(int status, String problem) {
    /** The outcome of a response with {@code status}: only 2xx is a delivery. */
    static Delivery ofStatus(int status) {
      if (status >= 200 && status < 300) {
        return new Delivery(status, null);
      }
      if (status >= 300 && status < 400) {
        return new Delivery(status, "redirect not followed (HTTP " + status + ")");
      }
      return new Delivery(status, "HTTP " + status);
    }

    static Delivery failed(String problem) {
      return new Delivery(0, problem);
    }

    /** Whether the receiver took the webhook (a 2xx answer). */
    public boolean delivered() {
      return problem == null;
    }

    /** Whether the policy refused the target (a URL or an address not allowed): trying again cannot help. */
    public boolean refused() {
      return status == 0 && problem != null && problem.startsWith(REFUSED);
    }
  }

  /**
   * A call's outcome with what the receiver answered.
   *
   * @param delivery how the call went, as for a webhook
   * @param body the answer's body as read: all of it, or its first {@code maxResponseBytes} (empty when
   *     no HTTP answer came)
   * @param bodyProblem null when the body was read to its end; else why not, in a few words:
   *     {@code "larger than 1048576 bytes"}, {@code "cut short: Connection reset"}
   */
  record Answer(Delivery delivery, Buffer body, String bodyProblem) {
    static Answer failed(String problem) {
      return new Answer(Delivery.failed(problem), Buffer.buffer(), null);
    }
  }

  private final Vertx vertx;
  private final TargetPolicy policy;
  private final int timeoutSeconds;
  private final int maxResponseBytes;
  private final Resolver resolver;
  private final HttpClientAgent client;
  private final WorkerExecutor dns;
  private volatile boolean closed;

  /**
   * @param timeoutSeconds the limit of a whole attempt, and of connecting and of silence within it
   * @param maxResponseBytes how much of a response body is read before the connection is closed
   */
  public WebhookClient(Vertx vertx, TargetPolicy policy, int timeoutSeconds, int maxResponseBytes) {
    this(vertx, policy, timeoutSeconds, maxResponseBytes, InetAddress::getAllByName, null, new PoolOptions());
  }

  /** With room for {@code maxConnections} connections to one server (Vert.x's default is 5). */
  WebhookClient(Vertx vertx, TargetPolicy policy, int timeoutSeconds, int maxResponseBytes, int maxConnections) {
    this(vertx, policy, timeoutSeconds, maxResponseBytes, InetAddress::getAllByName, null,
      new PoolOptions().setHttp1MaxSize(maxConnections));
  }

  /**
   * For tests: {@code resolver} stands in for DNS, and {@code trust} (when not null) replaces the JVM's
   * certificate authorities.
   */
  WebhookClient(Vertx vertx, TargetPolicy policy, int timeoutSeconds, int maxResponseBytes, Resolver resolver,
      TrustOptions trust) {
    this(vertx, policy, timeoutSeconds, maxResponseBytes, resolver, trust, new PoolOptions());
  }

  private WebhookClient(Vertx vertx, TargetPolicy policy, int timeoutSeconds, int maxResponseBytes, Resolver resolver,
      TrustOptions trust, PoolOptions pool) {
    if (timeoutSeconds < 1) {
      throw new IllegalArgumentException("the webhook timeout must be at least 1 second");
    }
    if (maxResponseBytes < 0) {
      throw new IllegalArgumentException("the webhook response limit must not be negative");
    }
    this.vertx = vertx;
    this.policy = policy;
    this.timeoutSeconds = timeoutSeconds;
    this.maxResponseBytes = maxResponseBytes;
    this.resolver = resolver;
    HttpClientOptions options = new HttpClientOptions()
      .setConnectTimeout(timeoutSeconds * 1000)
      .setIdleTimeout(timeoutSeconds)
      .setVerifyHost(true)
      .setDecompressionSupported(false)
      .setMaxRedirects(0);
    if (trust != null) {
      options.setTrustOptions(trust);
    }
    this.client = vertx.createHttpClient(options, pool);
    this.dns = vertx.createSharedWorkerExecutor(DNS_POOL, DNS_POOL_SIZE);
  }

  /**
   * Posts {@code body} to {@code url} with {@code headers} (Content-Type {@code application/json} and
   * the User-Agent are set here; framing headers such as Host or Content-Length from the caller are
   * dropped). The future always succeeds, with how the attempt went.
   */
  public Future<Delivery> post(String url, MultiMap headers, Buffer body) {
    return call(url, headers, body, null).map(Answer::delivery);
  }

  /**
   * {@link #post}, keeping the answer's body too (at most {@code maxResponseBytes} of it). When
   * {@code abandon} (if not null) completes first, the call ends at once as the problem
   * {@code "abandoned"}, and a request under way is reset. The future always succeeds.
   */
  Future<Answer> call(String url, MultiMap headers, Buffer body, Future<?> abandon) {
    if (closed) {
      return Future.succeededFuture(Answer.failed("the webhook client is closed"));
    }
    String problem = policy.problemWithUrl(url);
    if (problem != null) {
      return Future.succeededFuture(Answer.failed(REFUSED + problem));
    }
    Target target = Target.of(URI.create(url));
    Promise<Answer> outcome = Promise.promise();
    Context context = vertx.getOrCreateContext();
    // One context for the timer and every callback of the attempt: its steps never race.
    context.runOnContext(v -> {
      Attempt attempt = new Attempt(target, requestHeaders(headers), body == null ? Buffer.buffer() : body, outcome);
      attempt.start();
      if (abandon != null) {
        abandon.onComplete(done -> context.runOnContext(x -> attempt.end("abandoned")));
      }
    });
    return outcome.future();
  }

  /** Closes the HTTP client and lets go of the DNS workers; attempts under way end as failed deliveries. */
  public Future<Void> close() {
    closed = true;
    return client.close().eventually(dns::close);
  }

  private static MultiMap requestHeaders(MultiMap given) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (given != null) {
      given.forEach(header -> {
        if (!RESERVED_HEADERS.contains(header.getKey().toLowerCase(Locale.ROOT))) {
          headers.add(header.getKey(), header.getValue());
        }
      });
    }
    return headers
      .set(HttpHeaders.CONTENT_TYPE, "application/json")
      .set(HttpHeaders.USER_AGENT, USER_AGENT);
  }

  /** Where a checked URL points: Host as written, the name to resolve, port, TLS and request target. */
  private record Target(String host, String name, int port, boolean ssl, String requestUri) {
    static Target of(URI uri) {
      boolean ssl = uri.getScheme().equalsIgnoreCase("https");
      String host = uri.getHost();
      String name = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
      int port = uri.getPort() != -1 ? uri.getPort() : ssl ? 443 : 80;
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      String requestUri = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
      return new Target(host, name, port, ssl, requestUri);
    }
  }

  /** The policy's refusal of an address, carried down the future chain. */
  private static final class Refused extends RuntimeException {
    Refused(String reason) {
      super(reason, null, false, false);
    }
  }

  /** One attempt, from resolution to the last byte read. Confined to one context. */
  private final class Attempt {
    private final Target target;
    private final MultiMap headers;
    private final Buffer body;
    private final Promise<Answer> outcome;
    private HttpClientRequest request;
    private long deadline;

    Attempt(Target target, MultiMap headers, Buffer body, Promise<Answer> outcome) {
      this.target = target;
      this.headers = headers;
      this.body = body;
      this.outcome = outcome;
    }

    void start() {
      deadline = vertx.setTimer(timeoutSeconds * 1000L, id -> timedOut());
      resolve()
        .map(this::checked)
        .compose(this::send)
        .compose(this::read)
        .otherwise(failure -> new Answer(describe(failure), Buffer.buffer(), null))
        .onSuccess(this::finish);
    }

    /** The host's addresses, looked up on the DNS workers (unordered: lookups do not wait for each other). */
    private Future<InetAddress[]> resolve() {
      try {
        return dns.executeBlocking(() -> resolver.resolve(target.name()), false);
      } catch (RuntimeException closed) {
        return Future.failedFuture(closed);
      }
    }

    /** The address to connect to, once the policy allows every address of the host. */
    private InetAddress checked(InetAddress[] addresses) {
      if (addresses == null || addresses.length == 0) {
        throw new Refused("no address for " + target.name());
      }
      for (InetAddress address : addresses) {
        String problem = policy.problemWithAddress(target.name(), address);
        if (problem != null) {
          throw new Refused(problem);
        }
      }
      return addresses[0];
    }

    private Future<HttpClientResponse> send(InetAddress address) {
      if (outcome.future().isComplete()) {
        return Future.failedFuture(new TimeoutException());
      }
      RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        // Pinned: the IP literal, so nothing resolves the name again and the connection pool is keyed by it.
        .setServer(SocketAddress.inetSocketAddress(target.port(), address.getHostAddress()))
        .setHost(target.host())
        .setPort(target.port())
        .setSsl(target.ssl())
        .setURI(target.requestUri())
        .setHeaders(headers)
        .setFollowRedirects(false)
        .setConnectTimeout(timeoutSeconds * 1000L)
        .setIdleTimeout(timeoutSeconds * 1000L);
      return client.request(options).compose(request -> {
        this.request = request;
        if (outcome.future().isComplete()) {
          request.reset();
          return Future.failedFuture(new TimeoutException());
        }
        return request.send(body);
      });
    }

    /**
     * The status and the body, once the body has ended or more than {@code maxResponseBytes} of it
     * came (then the connection is closed rather than drained). A body cut short after the status
     * line still counts as the receiver's answer; {@link Answer#bodyProblem()} tells.
     */
    private Future<Answer> read(HttpClientResponse response) {
      Promise<Answer> read = Promise.promise();
      Delivery delivery = Delivery.ofStatus(response.statusCode());
      Buffer kept = Buffer.buffer();
      response.handler(chunk -> {
        if (read.future().isComplete()) {
          return;
        }
        if (kept.length() + chunk.length() <= maxResponseBytes) {
          kept.appendBuffer(chunk);
        } else {
          kept.appendBuffer(chunk, 0, maxResponseBytes - kept.length());
          read.complete(new Answer(delivery, kept, "larger than " + maxResponseBytes + " bytes"));
          response.request().reset();
        }
      });
      response.exceptionHandler(e -> read.tryComplete(new Answer(delivery, kept, "cut short: "
        + shortly(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()))));
      response.endHandler(v -> read.tryComplete(new Answer(delivery, kept, null)));
      return read.future();
    }

    private void timedOut() {
      end("timed out after " + timeoutSeconds + " s");
    }

    /** Ends the attempt now with {@code problem} (timed out, abandoned), resetting a request under way. */
    void end(String problem) {
      vertx.cancelTimer(deadline);
      if (outcome.tryComplete(Answer.failed(problem)) && request != null) {
        request.reset();
      }
    }

    private void finish(Answer answer) {
      vertx.cancelTimer(deadline);
      outcome.tryComplete(answer);
    }

    private Delivery describe(Throwable failure) {
      if (failure instanceof Refused) {
        return Delivery.failed(REFUSED + failure.getMessage());
      }
      if (failure instanceof TimeoutException || failure instanceof ConnectTimeoutException) {
        return Delivery.failed("timed out after " + timeoutSeconds + " s");
      }
      if (failure instanceof UnknownHostException) {
        return Delivery.failed("unknown host " + target.name());
      }
      if (failure instanceof ConnectException) {
        return Delivery.failed("connection refused by " + target.name() + ":" + target.port());
      }
      if (failure instanceof SSLException) {
        // Vert.x says "Failed to create SSL connection"; the reason (an unknown CA, a name that the
        // certificate does not hold) is in the innermost cause.
        return Delivery.failed("TLS failed: " + shortly(innermost(failure).getMessage()));
      }
      return Delivery.failed("failed: " + shortly(failure.getMessage() != null ? failure.getMessage()
        : failure.getClass().getSimpleName()));
    }
  }

  private static Throwable innermost(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** A message cut to a size fit for a delivery record. */
  private static String shortly(String message) {
    if (message == null) {
      return "unknown error";
    }
    String line = message.lines().findFirst().orElse("");
    return line.length() <= 200 ? line : line.substring(0, 200) + "...";
  }
}
