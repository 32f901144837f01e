import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark's own client for what wrk cannot measure (run by bench/run.sh with the JDK's
 * source launcher: {@code java bench/Probe.java MODE ...}; it needs nothing but the JDK). One
 * HTTP/1.1 keep-alive connection per concurrent request, loopback only. Each mode prints
 * {@code name value} lines that run.sh reads.
 *
 * <ul>
 *   <li>{@code lone BASE TOKEN SUBMITS ROUNDTRIPS}: one client, one connection. SUBMITS sequential
 *   submissions (latency p50, p99); then ROUNDTRIPS times: submit, then read the job back to back
 *   until it has succeeded (submit-to-succeeded p50).</li>
 *   <li>{@code open BASE TOKEN RATE SECONDS}: submit-to-finished under a steady load, open loop:
 *   RATE submissions a second for SECONDS (after as many seconds of warm-up at the same rate),
 *   each {@code POST} with {@code Prefer: wait=10} on a connection of its own from a pool, timed
 *   from when it was due (not when it went out: a late send counts against the service) to its
 *   {@code 201}. Prints p50/p99/max, and from the finished job's own times, the medians of where
 *   it went: due to {@code createdAt} (the request reaching the service), {@code createdAt} to
 *   {@code startedAt} (insert, commit, wake-up, until the claim), {@code startedAt} to
 *   {@code finishedAt} (the claim's commit, the event bus, the worker) and {@code finishedAt} to
 *   the answer (the outcome's commit, the event, the held request's read and answer).</li>
 *   <li>{@code fill BASE TOKEN JOBS}: queues JOBS sleep-0 jobs through the batch route, 1,000 per
 *   request, 4 requests at a time.</li>
 *   <li>{@code drain METRICS_URL JOBS PID}: waits until the node's metrics count JOBS succeeded
 *   sleep jobs; prints the drain rate and the node's peak RSS meanwhile.</li>
 *   <li>{@code rss PID}: the resident set size of a process, in MB.</li>
 * </ul>
 */
public final class Probe {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
    .connectTimeout(Duration.ofSeconds(5)).build();
  private static final String SLEEP_0 = "{\"type\":\"sleep\",\"input\":{\"seconds\":0}}";
  private static final Pattern ID = Pattern.compile("\"id\":\"([0-9a-f-]{36})\"");
  private static final Pattern STATE = Pattern.compile("\"state\":\"([a-z]+)\"");


  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "lone" -> lone(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
      case "open" -> open(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]));
      case "fill" -> fill(args[1], args[2], Integer.parseInt(args[3]), args.length > 4 ? args[4] : SLEEP_0);
      case "streams" -> streams(args[1], args[2], args[3], Integer.parseInt(args[4]));
      case "wake" -> wake(args[1], args[2], args[3], args[4], Integer.parseInt(args[5]), args[6]);
      case "remote" -> remote(args[1], args[2], Integer.parseInt(args[3]), args[4], Integer.parseInt(args[5]));
      case "drain" -> drain(args[1], Long.parseLong(args[2]), Long.parseLong(args[3]));
      case "rss" -> System.out.printf("rss_mb %.0f%n", rssMb(Long.parseLong(args[1])));
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  private static void lone(String base, String token, int submits, int roundTrips) throws Exception {
    URI uri = URI.create(base);
    try (Connection connection = new Connection(uri.getHost(), uri.getPort(), token)) {
      for (int i = 0; i < 500; i++) {
        connection.submit(); // warm-up: the JIT compiles both sides
      }
      double[] submit = new double[submits];
      for (int i = 0; i < submits; i++) {
        long start = System.nanoTime();
        connection.submit();
        submit[i] = (System.nanoTime() - start) / 1e6;
      }
      double[] toSucceeded = new double[roundTrips];
      for (int i = 0; i < roundTrips; i++) {
        long start = System.nanoTime();
        String id = connection.submit();
        for (String state = "queued"; !state.equals("succeeded"); ) {
          Matcher m = STATE.matcher(connection.send("GET /api/v1/jobs/" + id, null, 200));
          state = m.find() ? m.group(1) : "?";
          if (state.equals("failed") || state.equals("cancelled")) {
            throw new IllegalStateException("job " + id + " ended " + state);
          }
        }
        toSucceeded[i] = (System.nanoTime() - start) / 1e6;
      }
      System.out.printf("lone_submit_p50_ms %.2f%nlone_submit_p99_ms %.2f%nsubmit_to_succeeded_p50_ms %.2f%n",
        percentile(submit, 50), percentile(submit, 99), percentile(toSucceeded, 50));
    }
  }

  private static final Pattern CREATED = Pattern.compile("\"createdAt\":\"([^\"]+)\"");
  private static final Pattern STARTED = Pattern.compile("\"startedAt\":\"([^\"]+)\"");
  private static final Pattern FINISHED = Pattern.compile("\"finishedAt\":\"([^\"]+)\"");

  private static void open(String base, String token, int rate, int seconds) throws Exception {
    URI uri = URI.create(base);
    java.util.concurrent.ConcurrentLinkedQueue<Connection> idle = new java.util.concurrent.ConcurrentLinkedQueue<>();
    java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newCachedThreadPool();
    long periodNanos = 1_000_000_000L / rate;
    int warmUp = rate * seconds;
    int total = warmUp + rate * seconds;
    double[][] measured = new double[rate * seconds][];
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(total);
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicInteger unfinished = new java.util.concurrent.atomic.AtomicInteger();
    long startNanos = System.nanoTime();
    long startMillis = System.currentTimeMillis();
    for (int i = 0; i < total; i++) {
      long dueNanos = startNanos + i * periodNanos;
      long wait = dueNanos - System.nanoTime();
      if (wait > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(wait);
      }
      int n = i;
      senders.execute(() -> {
        try {
          Connection connection = idle.poll();
          if (connection == null) {
            connection = new Connection(uri.getHost(), uri.getPort(), token);
          }
          String job = connection.send("POST /api/v1/jobs", SLEEP_0, 0, "Prefer: wait=10\r\n");
          long answeredNanos = System.nanoTime();
          idle.add(connection);
          if (n >= warmUp && !job.contains("\"state\":\"succeeded\"")) {
            // A 202: not finished within the 10 s wait. Its latency is at least that.
            unfinished.incrementAndGet();
            measured[n - warmUp] = new double[] {(answeredNanos - dueNanos) / 1e6, Double.NaN, Double.NaN, Double.NaN,
              Double.NaN};
          } else if (n >= warmUp) {
            double dueMillis = startMillis + (dueNanos - startNanos) / 1e6;
            double created = millis(CREATED, job);
            double started = millis(STARTED, job);
            double finished = millis(FINISHED, job);
            double answered = startMillis + (answeredNanos - startNanos) / 1e6;
            measured[n - warmUp] = new double[] {(answeredNanos - dueNanos) / 1e6, created - dueMillis,
              started - created, finished - started, answered - finished};
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        } finally {
          done.countDown();
        }
      });
    }
    done.await();
    senders.shutdown();
    idle.forEach(c -> {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    });
    if (failure.get() != null) {
      throw new IllegalStateException("a submission failed", failure.get());
    }
    double[] latency = column(measured, 0);
    System.out.printf("open_rate %d%nopen_p50_ms %.2f%nopen_p99_ms %.2f%nopen_max_ms %.2f%nopen_unfinished %d%n", rate,
      percentile(latency, 50), percentile(latency, 99), percentile(latency, 100), unfinished.get());
    String[] parts = {"to_created", "created_to_started", "started_to_finished", "finished_to_answer"};
    for (int i = 0; i < parts.length; i++) {
      double[] part = column(measured, i + 1);
      System.out.printf("open_%s_p50_ms %.1f%nopen_%s_p99_ms %.1f%n", parts[i], percentile(part, 50), parts[i],
        percentile(part, 99));
    }
  }

  private static double millis(Pattern field, String json) {
    Matcher m = field.matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + field + " in " + json);
    }
    return java.time.Instant.parse(m.group(1)).toEpochMilli();
  }

  /** Column {@code i} of {@code rows}, without the rows that have no value there (NaN). */
  private static double[] column(double[][] rows, int i) {
    return Arrays.stream(rows).mapToDouble(row -> row[i]).filter(v -> !Double.isNaN(v)).toArray();
  }

  /**
   * One keep-alive HTTP/1.1 connection written and read by hand: a lone client's latency is the
   * service's, not a client library's (the JDK's client adds a thread hand-off per request).
   */
  private static final class Connection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final String host;
    private final String token;

    Connection(String host, int port, String token) throws IOException {
      this.socket = new Socket(host, port);
      socket.setTcpNoDelay(true);
      this.out = socket.getOutputStream();
      this.in = new BufferedInputStream(socket.getInputStream());
      this.host = host;
      this.token = token;
    }

    String submit() throws IOException {
      Matcher id = ID.matcher(send("POST /api/v1/jobs", SLEEP_0, 202));
      if (!id.find()) {
        throw new IllegalStateException("no id in the submit's answer");
      }
      return id.group(1);
    }

    /** Sends a request (with a JSON body when {@code body} is not null) and returns the answer's body; {@code expected}: its status (0: any 2xx). */
    String send(String requestLine, String body, int expected) throws IOException {
      return send(requestLine, body, expected, "");
    }

    /** {@link #send(String, String, int)} with {@code headers} (whole lines, each ending in CRLF) added. */
    String send(String requestLine, String body, int expected, String headers) throws IOException {
      byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      String head = requestLine + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + token + "\r\n"
        + headers + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + content.length + "\r\n") + "\r\n";
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(content);
      out.flush();
      String status = line();
      int length = 0;
      for (String header = line(); !header.isEmpty(); header = line()) {
        if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
          length = Integer.parseInt(header.substring(15).trim());
        }
      }
      String answer = new String(in.readNBytes(length), StandardCharsets.UTF_8);
      if (expected != 0 && !status.startsWith("HTTP/1.1 " + expected) || !status.startsWith("HTTP/1.1 2")) {
        throw new IllegalStateException(requestLine + " answered " + status + ": " + answer);
      }
      return answer;
    }

    private String line() throws IOException {
      StringBuilder line = new StringBuilder();
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0) {
          throw new EOFException("the service closed the connection");
        }
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static void fill(String base, String token, int jobs, String job) throws Exception {
    String body = "{\"jobs\":[" + String.join(",", java.util.Collections.nCopies(1000, job)) + "]}";
    int batches = (jobs + 999) / 1000;
    long start = System.nanoTime();
    List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      if (inFlight.size() == 4) {
        check(inFlight.remove(0).get());
      }
      inFlight.add(HTTP.sendAsync(request(base + "/api/v1/jobs/batch", token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> last : inFlight) {
      check(last.get());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("filled %d%nfill_seconds %.1f%nfill_jobs_per_second %.0f%n", batches * 1000L, seconds,
      batches * 1000 / seconds);
  }

  private static void wake(String base, String token, String workerToken, String type, int rounds,
                           String metricsUrl) throws Exception {
    Pattern claims = Pattern.compile("(?m)^offload_http_claims ([0-9.E]+)$");
    Pattern attempt = Pattern.compile("\"id\":\"([0-9a-f-]{36})\",\"type\":\"[^\"]*\",\"attempt\":(\\d+)");
    String claim = "{\"types\":[\"" + type + "\"],\"max\":1,\"waitSeconds\":30,\"worker\":\"bench\"}";
    String job = "{\"type\":\"" + type + "\",\"input\":{\"text\":\"a b\"}}";
    double[] millis = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      CompletableFuture<HttpResponse<String>> held = HTTP.sendAsync(request(base + "/api/v1/work/claim", workerToken)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(claim)).build(),
        HttpResponse.BodyHandlers.ofString());
      while (true) { // the claim is held before the submission
        Matcher waiting = claims.matcher(HTTP.send(HttpRequest.newBuilder(URI.create(metricsUrl)).GET().build(),
          HttpResponse.BodyHandlers.ofString()).body());
        if (waiting.find() && Double.parseDouble(waiting.group(1)) >= 1) {
          break;
        }
        Thread.sleep(5);
      }
      HttpResponse<String> submitted = HTTP.send(request(base + "/api/v1/jobs", token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(job)).build(),
        HttpResponse.BodyHandlers.ofString());
      long answered = System.nanoTime();
      if (submitted.statusCode() != 202) {
        throw new IllegalStateException("submit answered " + submitted.statusCode() + ": " + submitted.body());
      }
      HttpResponse<String> claimed = held.get();
      millis[i] = (System.nanoTime() - answered) / 1e6;
      Matcher m = attempt.matcher(claimed.body());
      if (claimed.statusCode() != 200 || !m.find()) {
        throw new IllegalStateException("claim answered " + claimed.statusCode() + ": " + claimed.body());
      }
      HTTP.send(request(base + "/api/v1/work/" + m.group(1) + "/" + m.group(2) + "/succeed", workerToken)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.discarding());
    }
    System.out.printf("wake_p50_ms %.2f%nwake_p99_ms %.2f%n", percentile(millis, 50), percentile(millis, 99));
  }

  private static void remote(String base, String token, int jobs, String type, int workers) throws Exception {
    java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicLong firstAt = new java.util.concurrent.atomic.AtomicLong();
    Pattern attempt = Pattern.compile("\"id\":\"([0-9a-f-]{36})\",\"type\":\"[^\"]*\",\"attempt\":(\\d+)");
    String claim = "{\"types\":[\"" + type + "\"],\"max\":100,\"waitSeconds\":1,\"worker\":\"bench\"}";
    List<Thread> loops = new ArrayList<>();
    java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
    for (int w = 0; w < workers; w++) {
      loops.add(new Thread(() -> {
        try {
          while (done.get() < jobs) {
            HttpResponse<String> claimed = HTTP.send(request(base + "/api/v1/work/claim", token)
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(claim)).build(),
              HttpResponse.BodyHandlers.ofString());
            if (claimed.statusCode() != 200) {
              throw new IllegalStateException("claim answered " + claimed.statusCode() + ": " + claimed.body());
            }
            firstAt.compareAndSet(0, System.nanoTime());
            List<CompletableFuture<HttpResponse<String>>> outcomes = new ArrayList<>();
            Matcher m = attempt.matcher(claimed.body());
            while (m.find()) {
              outcomes.add(HTTP.sendAsync(request(base + "/api/v1/work/" + m.group(1) + "/" + m.group(2) + "/succeed",
                  token).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> outcome : outcomes) {
              if (outcome.get().statusCode() != 200) {
                throw new IllegalStateException("succeed answered " + outcome.get().statusCode());
              }
              done.incrementAndGet();
            }
          }
        } catch (Exception e) {
          failed.set(e);
        }
      }));
    }
    loops.forEach(Thread::start);
    for (Thread loop : loops) {
      loop.join();
    }
    if (failed.get() != null) {
      throw failed.get();
    }
    double seconds = (System.nanoTime() - firstAt.get()) / 1e9;
    System.out.printf("remote_drained %d%nremote_seconds %.2f%nremote_jobs_per_second %.0f%n", done.get(), seconds,
      done.get() / seconds);
  }

  private static void streams(String base, String token, String metricsUrl, int n) throws Exception {
    List<String> jobs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> submitted = HTTP.send(request(base + "/api/v1/jobs", token)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"sleep\",\"input\":{\"seconds\":8}}")).build(),
        HttpResponse.BodyHandlers.ofString());
      Matcher id = ID.matcher(submitted.body());
      if (submitted.statusCode() != 202 || !id.find()) {
        throw new IllegalStateException("submit answered " + submitted.statusCode() + ": " + submitted.body());
      }
      jobs.add(id.group(1));
    }
    List<CompletableFuture<HttpResponse<java.util.stream.Stream<String>>>> streams = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      streams.add(HTTP.sendAsync(request(base + "/api/v1/jobs/" + jobs.get(i % 10) + "/events", token)
        .timeout(Duration.ofSeconds(120)).GET().build(), HttpResponse.BodyHandlers.ofLines()));
    }
    Pattern lag = Pattern.compile("(?m)^offload_event_loop_lag_seconds\\{[^}]*} ([0-9.E-]+)$");
    double worst = 0;
    CompletableFuture<Void> all = CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new));
    while (!all.isDone()) {
      Thread.sleep(200);
      Matcher m = lag.matcher(HTTP.send(HttpRequest.newBuilder(URI.create(metricsUrl)).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body());
      while (m.find()) {
        worst = Math.max(worst, Double.parseDouble(m.group(1)));
      }
    }
    long done = 0;
    for (CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> stream : streams) {
      HttpResponse<java.util.stream.Stream<String>> response = stream.get();
      if (response.statusCode() == 200 && response.body().anyMatch(line -> line.equals("event: done"))) {
        done++;
      }
    }
    System.out.printf("streams_done %d%nstreams_worst_lag_ms %.1f%n", done, worst * 1000);
  }

  private static void check(HttpResponse<String> response) {
    if (response.statusCode() != 202) {
      throw new IllegalStateException("batch answered " + response.statusCode() + ": " + response.body());
    }
  }

  /**
   * Started with the node: polls its metrics (every 20 ms) from the moment they answer. The rate
   * is taken between the first look that sees jobs succeeded and the one that sees them all, so
   * neither the JVM's start nor the polling interval counts against it.
   */
  private static void drain(String metricsUrl, long jobs, long pid) throws Exception {
    Pattern succeeded = Pattern.compile("(?m)^offload_jobs_succeeded_total\\{type=\"sleep\"} ([0-9.E]+)$");
    long deadline = System.nanoTime() + 900_000_000_000L;
    double peak = 0;
    double first = -1;
    long firstAt = 0;
    double done = 0;
    while (done < jobs) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + done + " of " + jobs + " jobs drained in 900 s");
      }
      Thread.sleep(20);
      String metrics;
      try {
        metrics = HTTP.send(HttpRequest.newBuilder(URI.create(metricsUrl)).GET().build(),
          HttpResponse.BodyHandlers.ofString()).body();
      } catch (IOException notYet) {
        continue;
      }
      peak = Math.max(peak, rssMb(pid));
      Matcher m = succeeded.matcher(metrics);
      done = m.find() ? Double.parseDouble(m.group(1)) : 0;
      if (first < 0 && done > 0) {
        first = done;
        firstAt = System.nanoTime();
      }
    }
    double seconds = (System.nanoTime() - firstAt) / 1e9;
    System.out.printf("drain_seconds %.2f%ndrain_jobs_per_second %.0f%ndrain_peak_rss_mb %.0f%n", seconds,
      (jobs - first) / seconds, peak);
  }

  private static double rssMb(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
      }
    }
    return 0;
  }

  private static HttpRequest.Builder request(String url, String token) {
    return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
      .timeout(Duration.ofSeconds(60));
  }

  private static double percentile(double[] values, int p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }
}
