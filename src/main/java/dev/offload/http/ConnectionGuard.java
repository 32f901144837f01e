package dev.offload.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connection-level limits that the HTTP server options do not have. One guard serves the whole
 * node; the per-connection timers live in each HTTP verticle's {@link Timers}, on its event loop.
 * <ul>
 *   <li>At most {@code maxConnections} open connections: the next one is closed at once.</li>
 *   <li>Slowloris: a connection must deliver each request's headers within {@code headerTimeoutMillis}
 *   of opening (or of the previous response), however slowly it trickles bytes; the idle timeout
 *   alone would never fire for a client sending one byte a second. No HTTP answer is possible
 *   before a request exists, so the connection is simply closed (as nginx does).</li>
 * </ul>
 */
public final class ConnectionGuard {
  private final int maxConnections;
  private final long headerTimeoutMillis;
  private final AtomicInteger open = new AtomicInteger();

  public ConnectionGuard(int maxConnections, long headerTimeoutMillis) {
    this.maxConnections = maxConnections;
    this.headerTimeoutMillis = headerTimeoutMillis;
  }

  /** The connections open now, on every HTTP verticle of this node. */
  public int open() {
    return open.get();
  }

  /** The timers of one HTTP verticle's connections; used only on that verticle's event loop. */
  final class Timers {
    private final Vertx vertx;
    private final Map<HttpConnection, Long> waiting = new HashMap<>();

    Timers(Vertx vertx) {
      this.vertx = vertx;
    }

    void opened(HttpConnection connection) {
      connection.closeHandler(v -> {
        open.decrementAndGet();
        cancel(connection);
      });
      if (open.incrementAndGet() > maxConnections) {
        connection.close();
        return;
      }
      awaitHeaders(connection);
    }

    /** The request's headers arrived; the next request's clock starts when this response is sent. */
    void headersReceived(HttpServerRequest request) {
      HttpConnection connection = request.connection();
      cancel(connection);
      if (request.version() != HttpVersion.HTTP_2) {
        request.response().endHandler(v -> awaitHeaders(connection));
      }
    }

    private void awaitHeaders(HttpConnection connection) {
      waiting.put(connection, vertx.setTimer(headerTimeoutMillis, id -> {
        waiting.remove(connection);
        connection.close();
      }));
    }

    private void cancel(HttpConnection connection) {
      Long timer = waiting.remove(connection);
      if (timer != null) {
        vertx.cancelTimer(timer);
      }
    }
  }
}
