package dev.offload.jobs;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One text per JSON value, whatever its serialisation: members sorted by name (JSON objects are
 * unordered), no whitespace, and every number written from its value ({@code 1}, {@code 1.0},
 * {@code 1e0} and {@code 10E-1} are one number, as in RFC 8785's canonical form). What an
 * {@code Idempotency-Key} compares: two requests are the same when their bodies are the same
 * JSON value.
 */
final class CanonicalJson {
  private CanonicalJson() {
  }

  static String encode(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out);
    return out.toString();
  }

  private static void write(Object value, StringBuilder out) {
    if (value instanceof JsonObject object) {
      writeObject(object.getMap(), out);
    } else if (value instanceof Map<?, ?> map) {
      writeObject(map, out);
    } else if (value instanceof JsonArray array) {
      writeArray(array.getList(), out);
    } else if (value instanceof List<?> list) {
      writeArray(list, out);
    } else if (value instanceof Number number) {
      out.append(number(number));
    } else {
      // Strings, booleans and null: Jackson's own encoding (one escape per character).
      out.append(Json.encode(value));
    }
  }

  private static void writeArray(List<?> items, StringBuilder out) {
    out.append('[');
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      write(items.get(i), out);
    }
    out.append(']');
  }

  private static void writeObject(Map<?, ?> members, StringBuilder out) {
    Map<String, Object> sorted = new TreeMap<>();
    members.forEach((name, member) -> sorted.put((String) name, member));
    out.append('{');
    boolean first = true;
    for (Map.Entry<String, Object> member : sorted.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append(Json.encode(member.getKey())).append(':');
      write(member.getValue(), out);
    }
    out.append('}');
  }

  /**
   * A number by its value, in scientific form without trailing zeros ({@code 100} and {@code 1e2}
   * are both {@code 1E+2}): never expanded, so a short exponent cannot make a long text.
   */
  private static String number(Number number) {
    BigDecimal value;
    if (number instanceof BigDecimal decimal) {
      value = decimal;
    } else if (number instanceof BigInteger integer) {
      value = new BigDecimal(integer);
    } else if (number instanceof Double || number instanceof Float) {
      double d = number.doubleValue();
      if (!Double.isFinite(d)) {
        return String.valueOf(d);
      }
      value = BigDecimal.valueOf(d);
    } else {
      value = BigDecimal.valueOf(number.longValue());
    }
    return value.signum() == 0 ? "0" : value.stripTrailingZeros().toString();
  }
}
