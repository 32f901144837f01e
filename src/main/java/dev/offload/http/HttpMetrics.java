package dev.offload.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The API's HTTP requests as one Micrometer timer per method, route template and status
 * ({@code offload_http_server_requests_seconds}: count, sum and latency buckets), each
 * registered once and kept. It replaces Vert.x's own HTTP server metrics, which cost a quarter
 * of the bare route's throughput whatever their labels (docs/benchmarks.md). The labels are
 * bounded: routes are templates ({@code /api/v1/jobs/:id}, never a raw path), unknown methods
 * are {@code OTHER}.
 */
final class HttpMetrics {
  private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");
  private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
    Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
    Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30)};

  private record Key(String method, String route, int status) {
  }

  private final MeterRegistry registry;
  private final Map<Key, Timer> timers = new ConcurrentHashMap<>();

  HttpMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void record(String method, String route, int status, long nanos) {
    Key key = new Key(METHODS.contains(method) ? method : "OTHER", route, status);
    Timer timer = timers.get(key);
    if (timer == null) {
      timer = timers.computeIfAbsent(key, k -> Timer.builder("offload.http.server.requests")
        .description("API requests answered by this node, by method, route template and status")
        .tags("method", k.method(), "route", k.route(), "code", String.valueOf(k.status()))
        .serviceLevelObjectives(BUCKETS)
        .register(registry));
    }
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }
}
