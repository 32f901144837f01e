package dev.offload.jobs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.DatabindCodec;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Input schemas: the problems a client reads, and the tree the validator sees is the input as sent. */
class InputSchemaTest {
  private static final InputSchema SLEEP = InputSchema.compile(new JsonObject("""
    {"type": "object", "additionalProperties": false, "required": ["seconds"],
     "properties": {"seconds": {"type": "integer", "minimum": 0, "maximum": 86400}}}"""));

  @Test
  void problemsNameTheFieldAndTheRule() {
    assertThat(SLEEP.problemWith(new JsonObject().put("seconds", 5))).isNull();
    assertThat(SLEEP.problemWith(new JsonObject().put("seconds", 5.0))).as("an integral number is an integer").isNull();
    assertThat(SLEEP.problemWith(new JsonObject().put("seconds", "ten"))).isEqualTo("/seconds: string found, integer expected");
    assertThat(SLEEP.problemWith(new JsonObject().put("seconds", -1))).isEqualTo("/seconds: must have a minimum value of 0");
    assertThat(SLEEP.problemWith(new JsonObject())).isEqualTo("required property 'seconds' not found");
    assertThat(SLEEP.problemWith(new JsonObject().put("seconds", 1).put("x", 1))).isEqualTo("property 'x' is not allowed");
  }

  @Test
  void theTreeIsTheInputAsJacksonWouldReadIt() {
    JsonObject input = new JsonObject().put("s", "text").put("i", 1).put("l", 1L << 40).put("d", 2.5).put("b", true)
      .putNull("n").put("big", new BigInteger("123456789012345678901234567890"))
      .put("nested", new JsonObject().put("list", new JsonArray().add(1).add("two").add(new JsonObject().put("k", "v"))));
    assertThat(InputSchema.tree(input)).isEqualTo(DatabindCodec.mapper().valueToTree(input));
  }

  @Test
  void theSchemaIsShownAsWritten() {
    assertThat(SLEEP.json().getJsonArray("required")).containsExactly("seconds");
  }
}
