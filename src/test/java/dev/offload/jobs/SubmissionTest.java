package dev.offload.jobs;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The submission envelope: what it accepts, and the refusal (400) for everything else, naming the field. */
class SubmissionTest {
  private static final JsonObject INPUT = new JsonObject().put("seconds", 1);

  private static void assertRefused(String body, String detail) {
    assertThatThrownBy(() -> Submission.parse(new JsonObject(body), 3600))
      .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.kind()).isEqualTo(JobException.Kind.INVALID))
      .hasMessage("invalid submission: " + detail);
  }

  @Test
  void readsEveryField() {
    assertThat(Submission.parse(new JsonObject().put("type", "sleep").put("input", INPUT), 3600))
      .isEqualTo(new Submission("sleep", INPUT, null, null, null, null, null, null));
    assertThat(Submission.parse(new JsonObject("""
      {"type": "sleep", "input": {"seconds": 1}, "maxAttempts": 100, "timeoutSeconds": 1.0, "priority": 0,
       "delaySeconds": 3600}"""), 3600))
      .as("an integral number is an integer (JSON Schema's rule)")
      .isEqualTo(new Submission("sleep", INPUT, 100, 1, 0, null, 3600, null));
    assertThat(Submission.parse(new JsonObject().put("type", "sleep").put("input", INPUT)
      .put("callback", new JsonObject().put("url", "https://hooks.example.com/done")), 3600).callbackUrl())
      .isEqualTo("https://hooks.example.com/done");
    assertThat(Submission.parse(new JsonObject().put("type", "sleep").put("input", INPUT)
      .put("runAt", "2026-12-02T11:00:00+01:00").put("priority", 9), 3600))
      .isEqualTo(new Submission("sleep", INPUT, null, null, 9, java.time.Instant.parse("2026-12-02T10:00:00Z"), null,
        null));
  }

  @Test
  void refusesBadSchedulingFields() {
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"priority\": 10}", "/priority: must be an integer from 0 to 9");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"priority\": -1}", "/priority: must be an integer from 0 to 9");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"delaySeconds\": 3601}",
      "/delaySeconds: must be an integer from 0 to 3600");
    assertRefused("{\"type\": \"sleep\", \"input\": {}, \"delaySeconds\": 1, \"runAt\": \"2026-12-02T10:00:00Z\"}",
      "/delaySeconds: runAt and delaySeconds cannot be used together");
    for (String runAt : new String[] {"\"2026-12-02T10:00:00\"", "\"tomorrow\"", "1764669600", "null"}) {
      assertRefused("{\"type\": \"sleep\", \"input\": {}, \"runAt\": " + runAt + "}",
        "/runAt: must be an RFC 3339 date-time with an offset, e.g. 2026-12-02T10:00:00Z");
    }
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
