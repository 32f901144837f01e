package dev.offload.store;

import dev.offload.jobs.Job;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;

import java.lang.reflect.Array;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 * {@code {history ?E ?T}}, {@code {key}} and {@code {row}} stand for expressions that differ between them.
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
    String row() {
      return "rowid";
    }

    @Override
    String rowMatch(String parameter, String id) {
      // An outcome that comes without its row (a remote worker's: only the id and attempt travel)
      // finds it by the id, once; the rowid equality still drives the look-up.
      return "rowid = coalesce(nullif(?" + parameter + ", 0), (SELECT rowid FROM jobs WHERE id = ?" + id + ")) AND ";
    }

    @Override
    Tuple withRow(Tuple args, long row) {
      return args.addLong(row);
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

    @Override
    String stripe() {
      return "0";
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
    String row() {
      return "0";
    }

    @Override
    String rowMatch(String parameter, String id) {
      return "";
    }

    @Override
    Tuple withRow(Tuple args, long row) {
      return args;
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

    @Override
    String stripe() {
      return "pg_backend_pid() % 1024";
    }
  };

  private static final Pattern MARKER = Pattern.compile("\\{(json|time) \\?(\\d+)}");
  private static final Pattern HISTORY = Pattern.compile("\\{history \\?(\\d+) \\?(\\d+)}");
  private static final Pattern PARAMETER = Pattern.compile("\\?(\\d+)");
  private static final Pattern ROW_MATCH = Pattern.compile("\\{row \\?(\\d+) AND }(?=id = \\?(\\d+))");

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

  /**
   * The markers both dialects share: {@code {history ?E ?T}}, {@code {key}}, {@code {row}},
   * {@code {row ?N AND }} and {@code {stripe}}.
   */
  String common(String template) {
    String rows = ROW_MATCH.matcher(template).replaceAll(m -> Matcher.quoteReplacement(rowMatch(m.group(1), m.group(2))));
    return history(rows).replace("{key}", key()).replace("{row}", row()).replace("{stripe}", stripe());
  }

  /** {@code {stripe}}: this session's stripe of the backlog counter (SQLite's one writer: stripe 0). */
  abstract String stripe();

  /**
   * {@code {key}}: the cheapest handle on a job row within one statement. SQLite's rowid is in
   * every index entry, so a claim that picks rows by it reads no table row to pick them and no
   * id index to update them; PostgreSQL's is the id.
   */
  abstract String key();

  /**
   * {@code {row}}: the handle on a job's row that a claim returns with each attempt, for its
   * outcome to find the row by (SQLite's rowid: no probe of the id index, a random page per job;
   * PostgreSQL: 0, none). {@code {row ?N AND }}: the match on parameter N in a WHERE clause (none
   * on PostgreSQL), always followed by the match on the id ({@code id = ?M}): that one decides,
   * so a row handle that no longer names the job (SQLite renumbers rows in a VACUUM) matches
   * nothing. A handle of 0 (none known) finds the row by the id.
   */
  abstract String row();

  abstract String rowMatch(String parameter, String id);

  /** The arguments with the row handle for a {@code {row ?N AND }} match appended, where the dialect has one. */
  abstract Tuple withRow(Tuple args, long row);

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

  /**
   * Whether many rows go in one statement as arrays, one per column (PostgreSQL's {@code unnest}),
   * rather than one statement run once per row (SQLite, in process, where a run costs little).
   */
  boolean arrays() {
    return this == POSTGRES;
  }

  /**
   * The rows as one array per column, for {@code unnest}: column {@code c} an array of
   * {@code types[c]}, a JSON object as its text.
   */
  static Tuple columns(List<Tuple> rows, Class<?>... types) {
    Tuple columns = Tuple.tuple();
    for (int c = 0; c < types.length; c++) {
      Object[] column = (Object[]) Array.newInstance(types[c], rows.size());
      for (int r = 0; r < rows.size(); r++) {
        Object value = rows.get(r).getValue(c);
        column[r] = value instanceof JsonObject json ? json.encode() : value;
      }
      columns.addValue(column);
    }
    return columns;
  }

  /**
   * What an {@code unnest} statement with {@code RETURNING id} did to each of {@code rows} (a job
   * id first): 1 when its id came back, 0 when not, in order: the counts a batch answers.
   */
  static List<Integer> counts(List<Tuple> rows, List<Tuple> returned) {
    Set<UUID> changed = new HashSet<>();
    returned.forEach(row -> changed.add(id(row.getValue(0))));
    List<Integer> counts = new ArrayList<>(rows.size());
    rows.forEach(row -> counts.add(changed.contains((UUID) row.getValue(0)) ? 1 : 0));
    return counts;
  }

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
