package dev.offload.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.offload.jobs.JobException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;

/**
 * Parses request bodies more strictly than Vert.x's default: a duplicate key is an error (the
 * default keeps the last one, so two parsers could read the same document differently) and
 * nesting is capped (deep documents cost stack and time). Jackson, which Vert.x already uses,
 * does both; this only configures it.
 */
final class StrictJson {
  private final JsonFactory factory;
  private final int maxDepth;

  StrictJson(int maxDepth) {
    this.maxDepth = maxDepth;
    this.factory = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  }

  /** The request's body as a JSON object; anything else (none, another value) is refused. */
  JsonObject object(RoutingContext ctx) {
    Object parsed = ctx.body().buffer() == null ? null : parse(ctx.body().buffer());
    if (!(parsed instanceof JsonObject body)) {
      throw new JobException(JobException.Kind.INVALID, "the body must be a JSON object");
    }
    return body;
  }

  /** The JSON value of the body, or a refusal the client can read. */
  Object parse(Buffer body) {
    try {
      JsonParser parser = factory.createParser(body.getBytes());
      return JacksonCodec.fromParser(parser, Object.class);
    } catch (DecodeException | IOException e) {
      String message = String.valueOf(e.getMessage());
      String detail = message.contains("Duplicate field") ? "the body repeats a key"
        : message.contains("nesting depth") ? "the body is nested deeper than " + maxDepth + " levels"
        : "the body is not valid JSON";
      throw new JobException(JobException.Kind.INVALID, detail);
    }
  }
}
