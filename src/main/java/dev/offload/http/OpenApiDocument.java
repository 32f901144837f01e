package dev.offload.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.offload.config.OffloadConfig;
import dev.offload.jobs.JobType;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;

/**
 * The contract as served at {@code GET /api/v1/openapi.json}: {@code openapi/offload.yaml} from
 * the class path, converted to JSON, with each job type's input schema injected, so a generated
 * client knows every type's input, and the limits this service was configured with (a delay's
 * and a batch's maximum). The YAML is the source of truth; this class only adds what only the
 * running service knows (its job types and limits, which config may change).
 */
public final class OpenApiDocument {
  static final String RESOURCE = "openapi/offload.yaml";
  /** The two submission shapes that get one variant per job type (a scheduled one has no runAt). */
  private static final String[] SUBMISSIONS = {"Submission", "ScheduledSubmission"};

  private OpenApiDocument() {
  }

  /** The contract as written, without anything injected (read once; blocking, at start-up). */
  public static JsonObject contract() {
    try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the class path");
      }
      // Through a JSON string: Vert.x's JsonObject reads Jackson's tree as plain maps and lists.
      return new JsonObject(new ObjectMapper().writeValueAsString(new YAMLMapper().readTree(in)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** The served document: the contract with {@code types} and {@code limits} injected. */
  public static JsonObject build(JsonObject contract, Collection<JobType> types, OffloadConfig.Limits limits) {
    JsonObject document = contract.copy();
    JsonObject schemas = document.getJsonObject("components").getJsonObject("schemas");
    for (String submission : SUBMISSIONS) {
      schemas.getJsonObject(submission).getJsonObject("properties").getJsonObject("delaySeconds")
        .put("maximum", limits.maxDelaySeconds());
    }
    schemas.getJsonObject("Batch").getJsonObject("properties").getJsonObject("jobs")
      .put("maxItems", limits.batchJobs());
    for (JobType type : types) {
      schemas.put(inputName(type.name()), type.describe().getJsonObject("inputSchema"));
    }
    for (String submission : SUBMISSIONS) {
      schemas.put(submission, discriminated(schemas, submission, types));
    }
    return document;
  }

  /** The document as the route sends it: encoded once. */
  static Buffer encoded(Collection<JobType> types, OffloadConfig.Limits limits) {
    return build(contract(), types, limits).toBuffer();
  }

  /**
   * {@code name} as a oneOf of one variant per type, discriminated by {@code type}: each variant
   * is the generic submission with {@code type} fixed and {@code input} the type's schema.
   */
  private static JsonObject discriminated(JsonObject schemas, String name, Collection<JobType> types) {
    JsonObject generic = schemas.getJsonObject(name);
    JsonArray oneOf = new JsonArray();
    JsonObject mapping = new JsonObject();
    for (JobType type : types) {
      String variant = variantName(type.name(), name);
      JsonObject schema = generic.copy();
      schema.remove("description");
      schema.put("title", variant);
      JsonObject properties = schema.getJsonObject("properties");
      properties.put("type", new JsonObject().put("type", "string").put("const", type.name()));
      properties.put("input", ref(inputName(type.name())));
      schemas.put(variant, schema);
      oneOf.add(ref(variant));
      mapping.put(type.name(), ref(variant).getString("$ref"));
    }
    return new JsonObject()
      .put("description", generic.getString("description"))
      .put("oneOf", oneOf)
      .put("discriminator", new JsonObject().put("propertyName", "type").put("mapping", mapping));
  }

  private static JsonObject ref(String schema) {
    return new JsonObject().put("$ref", "#/components/schemas/" + schema);
  }

  /** {@code sleep} → {@code SleepInput}; type names are {@code [a-z0-9][a-z0-9_-]*}, valid in component names. */
  static String inputName(String type) {
    return pascal(type) + "Input";
  }

  static String variantName(String type, String submission) {
    return pascal(type) + submission;
  }

  private static String pascal(String type) {
    StringBuilder name = new StringBuilder();
    boolean upper = true;
    for (char c : type.toCharArray()) {
      if (c == '_' || c == '-') {
        upper = true;
      } else {
        name.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return name.toString();
  }
}
