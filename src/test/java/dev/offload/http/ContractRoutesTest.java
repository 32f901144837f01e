package dev.offload.http;

import dev.offload.support.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Code and contract drift apart here first: the operations the route table serves (each route
 * with a path and methods; guards have no methods) must be exactly the contract's operations.
 */
@ExtendWith(VertxExtension.class)
class ContractRoutesTest {
  /**
   * In the contract, not yet in the route table: the dashboard's counts, being built elsewhere.
   * Once the route is served, this test fails until the entry is removed.
   */
  private static final Set<String> RESERVED = Set.of("GET /api/v1/stats");

  @Test
  void everyServedRouteIsInTheContractAndTheOtherWayRound(Vertx vertx, @TempDir Path dir) {
    TestService service = TestService.start(vertx, dir);
    Set<String> served = served(service.main().http());
    Set<String> contract = operations(OpenApiDocument.contract());

    assertThat(served).as("routes served but not in the contract").isSubsetOf(contract);
    assertThat(served).as("reserved routes that are now served: drop them from RESERVED").doesNotContainAnyElementsOf(RESERVED);
    Set<String> expected = new TreeSet<>(contract);
    expected.removeAll(RESERVED);
    assertThat(served).as("operations of the contract the router does not serve").isEqualTo(expected);
  }

  @Test
  void theServedDocumentIsTheContractWithTheJobTypesAdded(Vertx vertx, @TempDir Path dir) {
    TestService service = TestService.start(vertx, dir);
    JsonObject served = service.get(OpenApiRoute.PATH, null).bodyAsJsonObject();

    assertThat(served.getJsonObject("paths")).isEqualTo(OpenApiDocument.contract().getJsonObject("paths"));
    assertThat(operations(served)).contains("GET /api/v1/openapi.json", "POST /api/v1/jobs");
  }

  /** {@code "GET /api/v1/jobs/{id}"} for every route with a path and methods. */
  static Set<String> served(HttpVerticle http) {
    Set<String> operations = new TreeSet<>();
    for (Route route : http.router().getRoutes()) {
      Set<HttpMethod> methods = route.methods();
      if (route.getPath() == null || methods == null || methods.isEmpty()) {
        continue;
      }
      String path = route.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
      methods.forEach(method -> operations.add(method.name() + " " + path));
    }
    return operations;
  }

  static Set<String> operations(JsonObject document) {
    Set<String> operations = new TreeSet<>();
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String key : paths.getJsonObject(path).fieldNames()) {
        if (Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace").contains(key)) {
          operations.add(key.toUpperCase() + " " + path);
        }
      }
    }
    return operations;
  }
}
