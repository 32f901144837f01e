package dev.offload.jobs;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.DatabindCodec;

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
    List<Error> errors = schema.validate(DatabindCodec.mapper().valueToTree(input));
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
}
