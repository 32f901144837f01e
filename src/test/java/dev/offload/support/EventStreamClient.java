package dev.offload.support;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A Server-Sent Events client for tests, written from the WHATWG parsing rules (as a browser's
 * EventSource reads a stream): events are separated by a blank line, fields are {@code id},
 * {@code event}, {@code data} and {@code retry}, and a line starting with {@code :} is a comment.
 */
public final class EventStreamClient {
  /** One event; {@code event} is "message" when the stream named none. */
  public record Event(String id, String event, String data) {
    public JsonObject json() {
      return new JsonObject(data);
    }
  }

  private EventStreamClient() {
  }

  /** Opens {@code path} with {@code token}, sending {@code lastEventId} when not null. */
  public static Future<Stream> open(HttpClient client, int port, String path, String token, String lastEventId) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
      .setURI(path).putHeader("Authorization", "Bearer " + token).putHeader("Accept", "text/event-stream");
    if (lastEventId != null) {
      options.putHeader("Last-Event-ID", lastEventId);
    }
    return client.request(options).compose(request -> request.send()).map(Stream::new);
  }

  /** An open stream: what it received so far, and futures for what it will. */
  public static final class Stream {
    public final HttpClientResponse response;
    private final List<Event> events = new ArrayList<>();
    private final List<String> comments = new ArrayList<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final List<Handler<Event>> eventHandlers = new ArrayList<>();
    private final List<Handler<String>> commentHandlers = new ArrayList<>();
    private final Promise<Void> ended = Promise.promise();
    private final StringBuilder pending = new StringBuilder();
    private String retry;

    private record Waiter(Predicate<Event> wanted, Promise<Event> promise) {
    }

    Stream(HttpClientResponse response) {
      this.response = response;
      response.handler(buffer -> received(buffer.toString()));
      response.endHandler(v -> ended.tryComplete());
      response.exceptionHandler(ended::tryFail);
    }

    public int status() {
      return response.statusCode();
    }

    /** The events received so far. */
    public synchronized List<Event> events() {
      return List.copyOf(events);
    }

    public synchronized List<String> comments() {
      return List.copyOf(comments);
    }

    /** The last {@code retry:} the server sent, or null. */
    public synchronized String retry() {
      return retry;
    }

    /** Completes when the server has ended the stream. */
    public Future<Void> ended() {
      return ended.future();
    }

    /** The first event (already received, or still to come) that {@code wanted} accepts. */
    public synchronized Future<Event> next(Predicate<Event> wanted) {
      for (Event event : events) {
        if (wanted.test(event)) {
          return Future.succeededFuture(event);
        }
      }
      Promise<Event> promise = Promise.promise();
      waiters.add(new Waiter(wanted, promise));
      return promise.future();
    }

    /**
     * Calls {@code handler} with every event of the stream, in order: those already received at
     * once, then each as it comes (on the client's event loop).
     */
    public synchronized Stream eventHandler(Handler<Event> handler) {
      events.forEach(handler::handle);
      eventHandlers.add(handler);
      return this;
    }

    /** Calls {@code handler} with every comment line ({@code :} stripped), those already received first. */
    public synchronized Stream commentHandler(Handler<String> handler) {
      comments.forEach(handler::handle);
      commentHandlers.add(handler);
      return this;
    }

    /** Closes the connection, as a client that goes away. */
    public Future<Void> close() {
      return response.request().connection().close();
    }

    private synchronized void received(String text) {
      pending.append(text);
      int end;
      while ((end = pending.indexOf("\n\n")) >= 0) {
        String block = pending.substring(0, end);
        pending.delete(0, end + 2);
        parse(block);
      }
    }

    private void parse(String block) {
      String id = null;
      String name = "message";
      StringBuilder data = null;
      for (String line : block.split("\n", -1)) {
        if (line.startsWith(":")) {
          String comment = line.substring(1).trim();
          comments.add(comment);
          commentHandlers.forEach(handler -> handler.handle(comment));
          continue;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
        switch (field) {
          case "id" -> id = value;
          case "event" -> name = value;
          case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
          case "retry" -> retry = value;
          default -> {
          }
        }
      }
      if (data != null) {
        Event event = new Event(id, name, data.toString());
        events.add(event);
        waiters.removeIf(waiter -> waiter.wanted().test(event) && waiter.promise().tryComplete(event));
        eventHandlers.forEach(handler -> handler.handle(event));
      }
    }
  }
}
