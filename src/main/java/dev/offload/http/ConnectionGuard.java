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
 * node; each HTTP verticle watches its own connections with a {@link Watch}, on its event loop.
 * <ul>
 *   <li>At most {@code maxConnections} open connections: the next one is closed at once.</li>
 *   <li>Slowloris: a connection must deliver each request's headers within {@code headerTimeoutMillis}
 *   of opening (or of the previous response), however slowly it trickles bytes; the idle timeout
 *   alone would never fire for a client sending one byte a second. No HTTP answer is possible
 *   before a request exists, so the connection is simply closed (as nginx does).</li>
 * </ul>
 * A periodic sweep finds the late connections, so a request costs two map look-ups, not a timer.
 */
public final class ConnectionGuard {
  private final int maxConnections;
  private final long headerTimeoutNanos;
  private final AtomicInteger open = new AtomicInteger();

  public ConnectionGuard(int maxConnections, long headerTimeoutMillis) {
    this.maxConnections = maxConnections;
    this.headerTimeoutNanos = headerTimeoutMillis * 1_000_000;
  }

  /** The API connections open on this node now. */
  public int open() {
    return open.get();
  }

  /** One HTTP verticle's connections; used only on that verticle's event loop. */
  final class Watch {
    private final Vertx vertx;
    /** When each connection started waiting for a request's headers; 0 while a request is in progress. */
    private final Map<HttpConnection, long[]> waitingSince = new HashMap<>();
    private final long sweeper;

    Watch(Vertx vertx) {
      this.vertx = vertx;
      long period = Math.max(100, Math.min(1000, headerTimeoutNanos / 4_000_000));
      this.sweeper = vertx.setPeriodic(period, id -> closeLate(System.nanoTime()));
    }

    void opened(HttpConnection connection) {
      connection.closeHandler(v -> {
        open.decrementAndGet();
        waitingSince.remove(connection);
      });
      if (open.incrementAndGet() > maxConnections) {
        connection.close();
        return;
      }
      waitingSince.put(connection, new long[] {System.nanoTime()});
    }

    /** The request's headers arrived; the next request's clock starts when this response is sent. */
    void headersReceived(HttpServerRequest request) {
      long[] since = waitingSince.get(request.connection());
      if (since == null) {
        return;
      }
      since[0] = 0;
      if (request.version() == HttpVersion.HTTP_2) {
        // Streams are multiplexed: the idle timeout watches an HTTP/2 connection from here on.
        waitingSince.remove(request.connection());
      } else {
        request.response().endHandler(v -> since[0] = System.nanoTime());
      }
    }

    private void closeLate(long now) {
      waitingSince.forEach((connection, since) -> {
        if (since[0] != 0 && now - since[0] > headerTimeoutNanos) {
          connection.close();
        }
      });
    }

    void stop() {
      vertx.cancelTimer(sweeper);
    }
  }
}
