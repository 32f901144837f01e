package dev.offload.jobs;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;

/**
 * A job type's input schema (JSON Schema draft 2020-12), compiled once, checked on every
 * submission with networknt's json-schema-validator: about ten times faster than
 * vertx-json-schema on Offload's inputs (docs/benchmarks.md). A schema never makes the service
 * fetch anything: remote references are not loaded.
 */
public final class InputSchema {
  private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
    builder -> builder.schemaLoader(loader -> loader.fetchRemoteResources(false)));

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final JsonObject json;
  private final Schema schema;

  private InputSchema(JsonObject json, Schema schema) {
    this.json = json;
    this.schema = schema;
  }

  public static InputSchema compile(JsonObject json) {
    return new InputSchema(json.copy(), REGISTRY.getSchema(json.encode()));
  }

  /** The schema as written (what {@code GET /api/v1/job-types} shows). */
  public JsonObject json() {
    return json.copy();
  }

  /** Null when {@code input} is valid; else its first problem, with where it is ({@code /seconds: ...}). */
  public String problemWith(JsonObject input) {
    List<Error> errors = schema.validate(tree(input));
    if (errors.isEmpty()) {
      return null;
    }
    Error first = errors.get(0);
    if ("additionalProperties".equals(first.getKeyword())) {
      return "property '" + first.getProperty() + "' is not allowed";
    }
    String where = first.getInstanceLocation().toString();
    return (where.isEmpty() ? "" : where + ": ") + first.getMessage();
  }

  /**
   * The input as the validator's tree, built directly: Jackson's own conversion serialises and
   * re-reads the value, three times the cost of the validation itself.
   */
  static JsonNode tree(Object value) {
    if (value instanceof JsonObject object) {
      ObjectNode node = NODES.objectNode();
      object.forEach(field -> node.set(field.getKey(), tree(field.getValue())));
      return node;
    }
    if (value instanceof JsonArray array) {
      ArrayNode node = NODES.arrayNode(array.size());
      array.forEach(item -> node.add(tree(item)));
      return node;
    }
    if (value == null) {
      return NODES.nullNode();
    } else if (value instanceof String s) {
      return NODES.textNode(s);
    } else if (value instanceof Boolean b) {
      return NODES.booleanNode(b);
    } else if (value instanceof Integer i) {
      return NODES.numberNode(i);
    } else if (value instanceof Long l) {
      return NODES.numberNode(l);
    } else if (value instanceof BigInteger big) {
      return NODES.numberNode(big);
    } else if (value instanceof BigDecimal decimal) {
      return NODES.numberNode(decimal);
    } else if (value instanceof Number n) {
      return NODES.numberNode(n.doubleValue());
    }
    return NODES.textNode(value.toString());
  }
}
