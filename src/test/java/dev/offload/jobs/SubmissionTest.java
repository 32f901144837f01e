package dev.offload.jobs;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The submission envelope: what it accepts, and the refusal (400) for everything else, naming the field. */
class SubmissionTest {
  private static final JsonObject INPUT = new JsonObject().put("seconds", 1);

  private static void assertRefused(String body, String detail) {
    assertThatThrownBy(() -> Submission.parse(new JsonObject(body)))
      .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.kind()).isEqualTo(JobException.Kind.INVALID))
      .hasMessage("invalid submission: " + detail);
  }

  @Test
  void readsTheFiveFields() {
    assertThat(Submission.parse(new JsonObject().put("type", "sleep").put("input", INPUT)))
      .isEqualTo(new Submission("sleep", INPUT, null, null, null));
    assertThat(Submission.parse(new JsonObject("""
      {"type": "sleep", "input": {"seconds": 1}, "maxAttempts": 100, "timeoutSeconds": 1.0}""")))
      .as("an integral number is an integer (JSON Schema's rule)")
      .isEqualTo(new Submission("sleep", INPUT, 100, 1, null));
    assertThat(Submission.parse(new JsonObject().put("type", "sleep").put("input", INPUT)
      .put("callback", new JsonObject().put("url", "https://hooks.example.com/done"))).callbackUrl())
      .isEqualTo("https://hooks.example.com/done");
  }

  @Test
  void refusesWhatItDoesNotKnowOrCannotUse() {
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"owner\": \"bob\"}", "property 'owner' is not allowed");
    assertRefused("{\"input\": {}}", "required property 'type' not found");
    assertRefused("{\"type\": \"\", \"input\": {}}", "/type: must be a string of 1 to 64 characters");
    assertRefused("{\"type\": 7, \"input\": {}}", "/type: must be a string of 1 to 64 characters");
    assertRefused("{\"type\": \"" + "x".repeat(65) + "\", \"input\": {}}", "/type: must be a string of 1 to 64 characters");
    assertRefused("{\"type\": \"sleep\"}", "required property 'input' not found");
    assertRefused("{\"type\": \"sleep\", \"input\": [1]}", "/input: must be an object");
    assertRefused("{\"type\": \"sleep\", \"input\": null}", "/input: must be an object");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"maxAttempts\": 0}", "/maxAttempts: must be an integer from 1 to 100");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"maxAttempts\": 101}", "/maxAttempts: must be an integer from 1 to 100");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"maxAttempts\": \"3\"}", "/maxAttempts: must be an integer from 1 to 100");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"maxAttempts\": null}", "/maxAttempts: must be an integer from 1 to 100");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"timeoutSeconds\": 1.5}",
      "/timeoutSeconds: must be an integer from 1 to 604800");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"timeoutSeconds\": 99999999999999999999}",
      "/timeoutSeconds: must be an integer from 1 to 604800");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"callback\": \"https://a.example\"}", "/callback: must be an object");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"callback\": {}}", "/callback: required property 'url' not found");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"callback\": {\"url\": 1}}",
      "/callback/url: must be a string of 1 to 2048 characters");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"callback\": {\"url\": \"https://a.example\", \"secret\": \"x\"}}",
      "/callback: property 'secret' is not allowed");
  }
}
