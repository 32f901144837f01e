package dev.offload.app;

import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.core.spi.JsonFactory;
import io.vertx.core.spi.json.JsonCodec;

/**
 * Keeps Vert.x's JSON on Jackson's streaming codec. jackson-databind is on the class path (the
 * input-schema validator needs it), and with it Vert.x would switch every {@code encode()} and
 * {@code new JsonObject(...)} to the data-binding codec, which costs more per call and which
 * Offload does not use (no {@code mapTo}/{@code mapFrom}). Registered in
 * {@code META-INF/services/io.vertx.core.spi.JsonFactory}; the lowest order wins.
 */
public final class StreamingJsonFactory implements JsonFactory {
  private static final JacksonCodec CODEC = new JacksonCodec();

  @Override
  public int order() {
    return 0;
  }

  @Override
  public JsonCodec codec() {
    return CODEC;
  }
}
