package dev.offload.http;

import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.OpenAPIVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.offload.support.TestService.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The served document: valid OpenAPI 3.1, public, cacheable, and it knows every job type's input. */
@ExtendWith(VertxExtension.class)
class ContractDocumentTest {

  @Test
  void theServedDocumentIsValidOpenApi31(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    JsonObject document = service.get(OpenApiRoute.PATH, null).bodyAsJsonObject();

    // vertx-openapi's OpenAPI 3.1 meta-schema (2022-10-07), the check OpenAPIContract.from runs first.
    // OpenAPIContract.from itself cannot be used: 5.0 refuses problem+json and event-stream content.
    OpenAPIVersion version = OpenAPIVersion.fromContract(document);
    SchemaRepository repository = await(version.getRepository(vertx, "app://"));
    OutputUnit result = await(version.validateContract(vertx, repository, document));

    assertThat(version).isEqualTo(OpenAPIVersion.V3_1);
    assertThat(result.getValid()).as("%s", result.toJson().encodePrettily()).isTrue();
  }

  /** The JSON Schema (2020-12) and OpenAPI keywords the contract's schemas may use. */
  private static final java.util.Set<String> KEYWORDS = java.util.Set.of("type", "description", "title", "format",
    "pattern", "enum", "const", "default", "examples", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "items", "properties", "required",
    "additionalProperties", "oneOf", "anyOf", "allOf", "not", "$ref", "discriminator", "readOnly", "writeOnly",
    "deprecated", "multipleOf", "minProperties", "maxProperties", "propertyNames", "patternProperties", "$schema",
    "$id", "$defs", "contentMediaType", "contentEncoding", "if", "then", "else", "dependentRequired", "example");

  @Test
  void everySchemaOfTheContractUsesOnlyKnownKeywords() {
    // JSON Schema lets an unknown keyword through, so the validity check above does too: a YAML
    // slip (a comma in a flow mapping's unquoted text) once made a description half a property.
    java.util.List<String> unknown = new java.util.ArrayList<>();
    OpenApiDocument.contract().getJsonObject("components").getJsonObject("schemas")
      .forEach(entry -> collectUnknown((JsonObject) entry.getValue(), "#/components/schemas/" + entry.getKey(), unknown));
    assertThat(unknown).isEmpty();
  }

  private static void collectUnknown(JsonObject schema, String where, java.util.List<String> unknown) {
    for (String key : schema.fieldNames()) {
      if (!KEYWORDS.contains(key)) {
        unknown.add(where + "/" + key);
      }
    }
    if (schema.getValue("properties") instanceof JsonObject properties) {
      properties.forEach(p -> {
        if (p.getValue() instanceof JsonObject child) {
          collectUnknown(child, where + "/properties/" + p.getKey(), unknown);
        }
      });
    }
    for (String nested : new String[] {"items", "additionalProperties", "not"}) {
      if (schema.getValue(nested) instanceof JsonObject child) {
        collectUnknown(child, where + "/" + nested, unknown);
      }
    }
    for (String list : new String[] {"oneOf", "anyOf", "allOf"}) {
      if (schema.getValue(list) instanceof io.vertx.core.json.JsonArray options) {
        for (int i = 0; i < options.size(); i++) {
          if (options.getValue(i) instanceof JsonObject child) {
            collectUnknown(child, where + "/" + list + "/" + i, unknown);
          }
        }
      }
    }
  }

  @Test
  void aBrokenDocumentIsRefusedByTheSameCheck(@TempDir Path dir, Vertx vertx) {
    // The check above can fail: an operation without responses is not OpenAPI 3.1.
    JsonObject broken = OpenApiDocument.contract();
    broken.getJsonObject("paths").getJsonObject("/api/v1/jobs").getJsonObject("post").put("responses", "none");
    OpenAPIVersion version = OpenAPIVersion.fromContract(broken);
    OutputUnit result = await(version.validateContract(vertx, await(version.getRepository(vertx, "app://")), broken));

    assertThat(result.getValid()).isFalse();
  }

  @Test
  void servedWithoutATokenAsCacheableJson(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    HttpResponse<Buffer> response = service.get(OpenApiRoute.PATH, null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(response.getHeader("Cache-Control")).isEqualTo(OpenApiRoute.CACHE_CONTROL);
    assertThat(response.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
  }

  @Test
  void theDocumentStatesThisServicesLimits(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir, "limits",
      new JsonObject().put("maxDelaySeconds", 3600).put("batchJobs", 50));
    JsonObject schemas = service.get(OpenApiRoute.PATH, null).bodyAsJsonObject()
      .getJsonObject("components").getJsonObject("schemas");

    for (String submission : new String[] {"SleepSubmission", "SleepScheduledSubmission"}) {
      assertThat(schemas.getJsonObject(submission).getJsonObject("properties").getJsonObject("delaySeconds")
        .getInteger("maximum")).as(submission).isEqualTo(3600);
    }
    assertThat(schemas.getJsonObject("Batch").getJsonObject("properties").getJsonObject("jobs")
      .getInteger("maxItems")).isEqualTo(50);
  }

  @Test
  void eachJobTypesInputIsInjectedAndTheSubmissionIsDiscriminatedByType(@TempDir Path dir, Vertx vertx) {
    TestService service = TestService.start(vertx, dir);
    JsonObject schemas = service.get(OpenApiRoute.PATH, null).bodyAsJsonObject()
      .getJsonObject("components").getJsonObject("schemas");
    JsonArray types = service.get("/api/v1/job-types", service.token("alice", "jobs:read")).bodyAsJsonObject()
      .getJsonArray("items");

    assertThat(types).isNotEmpty();
    for (Object item : types) {
      JsonObject type = (JsonObject) item;
      String name = type.getString("type");
      assertThat(schemas.getJsonObject(OpenApiDocument.inputName(name))).isEqualTo(type.getJsonObject("inputSchema"));
      JsonObject variant = schemas.getJsonObject(OpenApiDocument.variantName(name, "Submission"));
      assertThat(variant.getJsonObject("properties").getJsonObject("type").getString("const")).isEqualTo(name);
      assertThat(schemas.getJsonObject("Submission").getJsonObject("discriminator").getJsonObject("mapping")
        .getString(name)).isEqualTo("#/components/schemas/" + OpenApiDocument.variantName(name, "Submission"));
      assertThat(schemas.getJsonObject(OpenApiDocument.variantName(name, "ScheduledSubmission"))
        .getJsonObject("properties").containsKey("runAt")).isFalse();
    }
    assertThat(schemas.getJsonObject("Submission").getJsonArray("oneOf")).hasSize(types.size());
  }
}
