package dev.offload.store;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What differs between the two stores' SQL. Statements are written once, with numbered
 * parameters ({@code ?1}) and typed markers ({@code {json ?5}}, {@code {time ?8}}) where
 * PostgreSQL cannot infer a parameter's type; each dialect turns them into its own syntax and
 * its own column types (SQLite: text and epoch milliseconds; PostgreSQL: uuid, jsonb, timestamptz).
 */
enum Dialect {
  SQLITE {
    @Override
    String translate(String template) {
      return MARKER.matcher(template).replaceAll("?$2");
    }

    @Override
    Object id(UUID id) {
      return id.toString();
    }

    @Override
    Object json(JsonObject json) {
      return json == null ? null : json.encode();
    }

    @Override
    Object time(Instant instant) {
      return instant == null ? null : instant.toEpochMilli();
    }

    @Override
    String skipLocked() {
      return "";
    }
  },

  POSTGRES {
    @Override
    String translate(String template) {
      Matcher typed = MARKER.matcher(template);
      String cast = typed.replaceAll(m -> "CAST(\\$" + m.group(2) + " AS "
        + ("json".equals(m.group(1)) ? "jsonb" : "timestamptz") + ")");
      return PARAMETER.matcher(cast).replaceAll("\\$$1");
    }

    @Override
    Object id(UUID id) {
      return id;
    }

    @Override
    Object json(JsonObject json) {
      return json;
    }

    @Override
    Object time(Instant instant) {
      return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    @Override
    String skipLocked() {
      // Several nodes claim at once: each takes rows the others have not locked.
      return " FOR UPDATE SKIP LOCKED";
    }
  };

  private static final Pattern MARKER = Pattern.compile("\\{(json|time) \\?(\\d+)}");
  private static final Pattern PARAMETER = Pattern.compile("\\?(\\d+)");

  /** Statements already translated: the same few are issued thousands of times a second. */
  private final Map<String, String> translated = new ConcurrentHashMap<>();

  /** The statement in this dialect's syntax. */
  String sql(String template) {
    String sql = translated.get(template);
    if (sql == null) {
      sql = translate(template);
      // Bounded: statements built per call (IN lists) differ only in their number of parameters.
      if (translated.size() < 1024) {
        translated.put(template, sql);
      }
    }
    return sql;
  }

  abstract String translate(String template);

  abstract Object id(UUID id);

  abstract Object json(JsonObject json);

  abstract Object time(Instant instant);

  /** The suffix of the claim's inner SELECT. */
  abstract String skipLocked();

  /** Reads an id column, whichever way the driver returns it. */
  static UUID id(Object value) {
    return value instanceof UUID uuid ? uuid : UUID.fromString((String) value);
  }

  static JsonObject json(Object value) {
    if (value == null) {
      return null;
    }
    return value instanceof JsonObject json ? json : new JsonObject((String) value);
  }

  static Instant time(Object value) {
    if (value == null) {
      return null;
    }
    return value instanceof OffsetDateTime odt ? odt.toInstant() : Instant.ofEpochMilli(((Number) value).longValue());
  }

  static boolean bool(Object value) {
    return value instanceof Boolean b ? b : ((Number) value).intValue() != 0;
  }
}
