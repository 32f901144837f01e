package dev.offload.store;

import dev.offload.jobs.Job;
import io.vertx.core.json.JsonArray;
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
 * {@code {history ?E ?T}} and {@code {key}} stand for expressions that differ between them.
 */
enum Dialect {
  SQLITE {
    @Override
    String translate(String template) {
      return MARKER.matcher(common(template)).replaceAll("?$2");
    }

    @Override
    String historyAppended(String error, String finishedAt) {
      return "json_insert(CASE WHEN json_array_length(history) >= " + Job.HISTORY + " THEN json_remove(history, "
        + "'$[0]') ELSE COALESCE(history, '[]') END, '$[#]', json_object('attempt', attempts, 'node', node, "
        + "'startedAt', started_at, 'finishedAt', {time ?" + finishedAt + "}, 'error', json({json ?" + error + "})))";
    }

    @Override
    String key() {
      return "rowid";
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
      Matcher typed = MARKER.matcher(common(template));
      String cast = typed.replaceAll(m -> "CAST(\\$" + m.group(2) + " AS "
        + ("json".equals(m.group(1)) ? "jsonb" : "timestamptz") + ")");
      return PARAMETER.matcher(cast).replaceAll("\\$$1");
    }

    @Override
    String historyAppended(String error, String finishedAt) {
      return "(CASE WHEN jsonb_array_length(COALESCE(history, '[]')) >= " + Job.HISTORY + " THEN history - 0 "
        + "ELSE COALESCE(history, '[]') END) || jsonb_build_array(jsonb_build_object('attempt', attempts, "
        + "'node', node, 'startedAt', " + millis("started_at") + ", 'finishedAt', "
        + millis("{time ?" + finishedAt + "}") + ", 'error', {json ?" + error + "}))";
    }

    /** A timestamptz as epoch milliseconds, the way SQLite keeps times (a history reads the same from both). */
    private static String millis(String time) {
      return "CAST(extract(epoch FROM " + time + ") * 1000 AS bigint)";
    }

    @Override
    String key() {
      return "id";
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
  private static final Pattern HISTORY = Pattern.compile("\\{history \\?(\\d+) \\?(\\d+)}");
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

  /** The markers both dialects share: {@code {history ?E ?T}} and {@code {key}}. */
  String common(String template) {
    return history(template).replace("{key}", key());
  }

  /**
   * {@code {key}}: the cheapest handle on a job row within one statement. SQLite's rowid is in
   * every index entry, so a claim that picks rows by it reads no table row to pick them and no
   * id index to update them; PostgreSQL's is the id.
   */
  abstract String key();

  /**
   * {@code {history ?E ?T}}: the job's history with the attempt that ends appended (its number,
   * node and start from the row as it was; its error from parameter E, its end from parameter T),
   * keeping the last {@link Job#HISTORY}.
   */
  String history(String template) {
    return HISTORY.matcher(template).replaceAll(m -> Matcher.quoteReplacement(historyAppended(m.group(1), m.group(2))));
  }

  abstract String historyAppended(String error, String finishedAt);

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

  /** Reads a JSON array column (SQLite: text; PostgreSQL: jsonb). */
  static JsonArray array(Object value) {
    if (value == null) {
      return new JsonArray();
    }
    return value instanceof JsonArray json ? json : new JsonArray(value.toString());
  }

  static boolean bool(Object value) {
    return value instanceof Boolean b ? b : ((Number) value).intValue() != 0;
  }
}
