package dev.offload.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Checks an HTTP answer against the served OpenAPI contract: the operation's response for that
 * status must exist, its required headers must be there, every header it declares must match its
 * schema, and a JSON body must match the content's schema (networknt's validator, OpenAPI 3.1
 * dialect). vertx-openapi's ResponseValidator cannot do it: version 5.0 refuses a contract with
 * {@code application/problem+json} or {@code text/event-stream} content (docs/api.md).
 */
public final class ContractValidator {
  private static final String BASE = "https://offload.invalid/openapi.json";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");

  private final JsonObject document;
  private final SchemaRegistry registry;
  private final List<Template> templates = new ArrayList<>();
  private final Map<String, Schema> compiled = new ConcurrentHashMap<>();

  /** One path of the contract, as a pattern over request paths. */
  private record Template(String path, Pattern pattern, int variables) {
  }

  public ContractValidator(JsonObject document) {
    this.document = document;
    this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(), builder -> builder
      .schemaLoader(loader -> loader.fetchRemoteResources(false))
      .schemas(Map.of(BASE, document.encode())));
    for (String path : document.getJsonObject("paths").fieldNames()) {
      String regex = Pattern.quote(path).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
      templates.add(new Template(path, Pattern.compile(regex), path.split("\\{", -1).length - 1));
    }
    // A literal segment wins over a variable one: /api/v1/jobs/batch is not /api/v1/jobs/{id}.
    templates.sort(Comparator.comparingInt(Template::variables));
    warm();
  }

  /**
   * Compiles every body schema now, and runs each once: networknt compiles and resolves lazily,
   * and a first check costing a few hundred milliseconds would shift the timing of the tests
   * (a rate limit's bucket refills meanwhile).
   */
  private void warm() {
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String verb : item.fieldNames()) {
        JsonObject responses = item.getValue(verb) instanceof JsonObject op ? op.getJsonObject("responses") : null;
        for (String status : responses == null ? List.<String>of() : responses.fieldNames()) {
          String pointer = "/paths/" + escape(path) + "/" + verb + "/responses/" + status;
          JsonObject response = at(pointer);
          if (response.containsKey("$ref")) {
            pointer = response.getString("$ref").substring(1);
            response = at(pointer);
          }
          for (String mediaType : response.getJsonObject("content", new JsonObject()).fieldNames()) {
            if (mediaType.endsWith("json")) {
              errors(pointer + "/content/" + escape(mediaType) + "/schema", JsonNodeFactory.instance.nullNode());
            }
          }
        }
      }
    }
  }

  /** The contract's path that {@code path} (without its query) matches, if any. */
  public Optional<String> template(String path) {
    return templates.stream().filter(t -> t.pattern().matcher(path).matches()).map(Template::path).findFirst();
  }

  /**
   * What is wrong with this answer; empty when it fits the contract, or when the contract has no
   * such operation (a 405, an unknown path: the route drift test covers those).
   */
  public List<String> problems(HttpMethod method, String uri, int status, MultiMap headers, Buffer body) {
    String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
    Optional<String> template = template(path);
    String verb = method.name().toLowerCase();
    if (template.isEmpty() || !document.getJsonObject("paths").getJsonObject(template.get()).containsKey(verb)) {
      return List.of();
    }
    String where = method.name() + " " + template.get() + " " + status;
    String operation = "/paths/" + escape(template.get()) + "/" + verb;
    String pointer = operation + "/responses/" + status;
    JsonObject response = at(pointer);
    if (response == null) {
      return List.of(where + ": the contract lists no such status for this operation");
    }
    if (response.containsKey("$ref")) {
      pointer = response.getString("$ref").substring(1);
      response = at(pointer);
    }
    List<String> problems = new ArrayList<>();
    checkHeaders(where, response, headers, problems);
    checkBody(where, pointer, response, headers.get("Content-Type"), body, problems);
    return problems;
  }

  private void checkHeaders(String where, JsonObject response, MultiMap headers, List<String> problems) {
    JsonObject declared = response.getJsonObject("headers", new JsonObject());
    for (String name : declared.fieldNames()) {
      JsonObject header = declared.getJsonObject(name);
      String headerPointer = header.containsKey("$ref") ? header.getString("$ref").substring(1) : null;
      if (headerPointer != null) {
        header = at(headerPointer);
      }
      String value = headers.get(name);
      if (value == null) {
        if (header.getBoolean("required", false)) {
          problems.add(where + ": header " + name + " is required");
        }
        continue;
      }
      if (headerPointer != null) {
        JsonNode node = INTEGER.matcher(value).matches() && "integer".equals(header.getJsonObject("schema").getValue("type"))
          ? JsonNodeFactory.instance.numberNode(Long.parseLong(value)) : JsonNodeFactory.instance.textNode(value);
        errors(headerPointer + "/schema", node).forEach(e -> problems.add(where + ": header " + name + ": " + e));
      }
    }
  }

  private void checkBody(String where, String pointer, JsonObject response, String contentType, Buffer body,
                         List<String> problems) {
    JsonObject content = response.getJsonObject("content");
    boolean empty = body == null || body.length() == 0;
    if (content == null || content.isEmpty()) {
      if (!empty) {
        problems.add(where + ": the contract says no body, but one came");
      }
      return;
    }
    String mediaType = contentType == null ? null : contentType.split(";")[0].trim().toLowerCase();
    if (mediaType == null || !content.containsKey(mediaType)) {
      problems.add(where + ": Content-Type " + contentType + " is not one of " + content.fieldNames());
      return;
    }
    if (!mediaType.endsWith("json")) {
      return;
    }
    JsonNode tree;
    try {
      tree = MAPPER.readTree(empty ? "" : body.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      problems.add(where + ": the body is not JSON");
      return;
    }
    String schema = pointer + "/content/" + escape(mediaType) + "/schema";
    errors(schema, tree).forEach(e -> problems.add(where + ": " + e));
  }

  private List<String> errors(String pointer, JsonNode value) {
    Schema schema = compiled.computeIfAbsent(pointer, p -> registry.getSchema(SchemaLocation.of(BASE + "#"
      + URLEncoder.encode(p, StandardCharsets.UTF_8).replace("%2F", "/").replace("%7E", "~"))));
    return schema.validate(value).stream().map(Error::toString).toList();
  }

  /** The object at a JSON pointer of the document, or null. */
  private JsonObject at(String pointer) {
    Object node = document;
    for (String token : pointer.substring(1).split("/")) {
      String key = token.replace("~1", "/").replace("~0", "~");
      if (!(node instanceof JsonObject object) || !object.containsKey(key)) {
        return null;
      }
      node = object.getValue(key);
    }
    return node instanceof JsonObject object ? object : null;
  }

  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }
}
