package dev.offload.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads typed values from the JSON config by dotted path. Every key can be overridden by an
 * environment variable named {@code OFFLOAD_} + the path in upper case with dots as underscores
 * ({@code limits.bodyBytes} -> {@code OFFLOAD_LIMITS_BODYBYTES}). Errors name the key.
 */
final class ConfigReader {
  static final String ENV_PREFIX = "OFFLOAD_";
  /** The {@code OFFLOAD_} variables that logback.xml reads, not the config: known, never refused. */
  static final Set<String> LOGGING_ENV = Set.of("OFFLOAD_LOG_FORMAT", "OFFLOAD_LOG_LEVEL", "OFFLOAD_ACCESS_LOG");

  private final JsonObject root;
  private final Map<String, String> env;
  /**
   * Every key asked for, in order, with the default it was asked with (null: none): what
   * unknown keys are checked against, and the documentation's source.
   */
  private final Map<String, Object> defaults = new LinkedHashMap<>();
  /** The keys asked for (a view of {@link #defaults}). */
  private final Set<String> read = defaults.keySet();
  /** Keys read as a whole JSON object (an inline JSON Schema): their own keys are not config keys. */
  private final Set<String> wholeObjects = new TreeSet<>();

  ConfigReader(JsonObject root, Map<String, String> env) {
    this.root = root;
    this.env = env;
  }

  static String envName(String path) {
    return ENV_PREFIX + path.replace('.', '_').toUpperCase(Locale.ROOT);
  }

  /** The keys asked for so far, with their defaults. */
  Map<String, Object> defaults() {
    return defaults;
  }

  String string(String path, String def) {
    defaults.putIfAbsent(path, def);
    Object value = raw(path);
    if (value == null) {
      return def;
    }
    if (!(value instanceof String s) || s.isBlank()) {
      throw invalid(path, "a non-empty string", value);
    }
    return s;
  }

  /** A string that must match {@code pattern} (for values that end up in URLs or SQL identifiers). */
  String matching(String path, String def, String pattern) {
    String value = string(path, def);
    if (value != null && !value.matches(pattern)) {
      throw invalid(path, "a value matching " + pattern, path.contains("url") ? "(hidden)" : value);
    }
    return value;
  }

  String oneOf(String path, String def, Set<String> allowed) {
    String value = string(path, def);
    if (!allowed.contains(value)) {
      throw invalid(path, "one of " + new TreeSet<>(allowed), value);
    }
    return value;
  }

  int integer(String path, int def, int min, int max) {
    defaults.putIfAbsent(path, def);
    Object value = raw(path);
    if (value == null) {
      return def;
    }
    long n;
    if (value instanceof Integer || value instanceof Long) {
      n = ((Number) value).longValue();
    } else if (value instanceof String s && s.matches("-?\\d{1,18}")) {
      n = Long.parseLong(s);
    } else {
      throw invalid(path, "an integer between " + min + " and " + max, value);
    }
    if (n < min || n > max) {
      throw invalid(path, "an integer between " + min + " and " + max, value);
    }
    return (int) n;
  }

  boolean bool(String path, boolean def) {
    defaults.putIfAbsent(path, def);
    Object value = raw(path);
    if (value == null) {
      return def;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if ("true".equals(value) || "false".equals(value)) {
      return Boolean.parseBoolean((String) value);
    }
    throw invalid(path, "true or false", value);
  }

  /** A list of strings; from the environment, a comma-separated value. */
  List<String> strings(String path, List<String> def) {
    defaults.putIfAbsent(path, def);
    Object value = raw(path);
    if (value == null) {
      return def;
    }
    List<String> out = new ArrayList<>();
    if (value instanceof String s) {
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    } else if (value instanceof JsonArray array) {
      for (Object item : array) {
        if (!(item instanceof String s) || s.isBlank()) {
          throw invalid(path, "a list of non-empty strings", value);
        }
        out.add(s);
      }
    } else {
      throw invalid(path, "a list of strings", value);
    }
    return List.copyOf(out);
  }

  /**
   * A JSON object taken as it is (an inline JSON Schema); from the environment, the object's JSON
   * text. Null when absent.
   */
  JsonObject object(String path) {
    defaults.putIfAbsent(path, null);
    wholeObjects.add(path);
    Object value = raw(path);
    if (value instanceof String text) {
      try {
        value = new JsonObject(text);
      } catch (RuntimeException e) {
        throw invalid(path, "a JSON object", value);
      }
    }
    if (value != null && !(value instanceof JsonObject)) {
      throw invalid(path, "a JSON object", value);
    }
    return (JsonObject) value;
  }

  /** The names under an object key, for per-item sections such as {@code jobTypes}. */
  Set<String> names(String path) {
    defaults.putIfAbsent(path, null);
    Object value = jsonValue(path);
    if (value == null) {
      return Set.of();
    }
    if (!(value instanceof JsonObject object)) {
      throw invalid(path, "an object", value);
    }
    return new TreeSet<>(object.fieldNames());
  }

  /** The number of objects in the list at {@code path} (0 when absent); read them as {@code path.0.key} ... */
  int size(String path) {
    defaults.putIfAbsent(path, List.of());
    Object value = jsonValue(path);
    if (value == null) {
      return 0;
    }
    if (!(value instanceof JsonArray array) || !array.stream().allMatch(JsonObject.class::isInstance)) {
      throw invalid(path, "a list of objects", value);
    }
    return array.size();
  }

  /**
   * Fails on keys in the file, and {@code OFFLOAD_} variables in the environment, that nothing
   * reads: a typo ({@code OFFLOAD_HTTP_PROT}) must not silently fall back to a default.
   */
  void rejectUnknownKeys() {
    List<String> unknown = new ArrayList<>();
    collectUnknown(root, "", unknown);
    if (!unknown.isEmpty()) {
      throw new ConfigException("unknown config key(s): " + String.join(", ", unknown));
    }
    Set<String> known = new TreeSet<>(LOGGING_ENV);
    read.forEach(path -> known.add(envName(path)));
    List<String> unknownEnv = env.keySet().stream()
      .filter(name -> name.startsWith(ENV_PREFIX) && !known.contains(name)).sorted().toList();
    if (!unknownEnv.isEmpty()) {
      throw new ConfigException("unknown environment variable(s): " + String.join(", ", unknownEnv)
        + " (an " + ENV_PREFIX + " variable must name a config key; see docs/configuration.md)");
    }
  }

  private void collectUnknown(JsonObject object, String prefix, List<String> unknown) {
    for (String name : object.fieldNames()) {
      String path = prefix + name;
      Object value = object.getValue(name);
      // An object read only for its names (jobTypes) still has its own keys checked.
      if (value instanceof JsonObject child && !wholeObjects.contains(path)
        && (read.contains(path) || read.stream().anyMatch(p -> p.startsWith(path + ".")))) {
        collectUnknown(child, path + ".", unknown);
      } else if (value instanceof JsonArray list && read.contains(path) && list.stream().allMatch(JsonObject.class::isInstance)) {
        for (int i = 0; i < list.size(); i++) {
          collectUnknown(list.getJsonObject(i), path + "." + i + ".", unknown);
        }
      } else if (!read.contains(path)) {
        unknown.add(path);
      }
    }
  }

  private Object raw(String path) {
    String fromEnv = env.get(envName(path));
    if (fromEnv != null) {
      return fromEnv;
    }
    return jsonValue(path);
  }

  private Object jsonValue(String path) {
    Object current = root;
    for (String part : path.split("\\.")) {
      if (current instanceof JsonObject object) {
        current = object.getValue(part);
      } else if (current instanceof JsonArray array && part.matches("\\d{1,4}") && Integer.parseInt(part) < array.size()) {
        current = array.getValue(Integer.parseInt(part));
      } else {
        return null;
      }
    }
    return current;
  }

  private static ConfigException invalid(String path, String expected, Object value) {
    String shown = value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    return new ConfigException("config key '" + path + "' (env " + envName(path) + ") must be "
      + expected + ", got " + shown);
  }
}
