package dev.offload.webhooks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Standard Webhooks signatures: the published test vector, an independent HMAC, rotation, and bad secrets refused. */
class WebhookSignerTest {
  // The test vector of the Standard Webhooks reference libraries (and Svix's, which they come from).
  private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final long SPEC_TIMESTAMP = 1614265330;
  private static final String SPEC_BODY = "{\"test\": 2432232314}";
  private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

  /** HMAC-SHA256 computed here with javax.crypto, not by the class under test. */
  private static String hmac(String secret, String content) throws Exception {
    byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
  }

  private static String secretOf(int bytes, int fill) {
    byte[] key = new byte[bytes];
    Arrays.fill(key, (byte) fill);
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  @Test
  void thePublishedTestVectorIsReproduced() {
    WebhookSigner signer = WebhookSigner.of(List.of(SPEC_SECRET));
    assertThat(signer.signature(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)).isEqualTo(SPEC_SIGNATURE);
    assertThat(signer.signature(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY.getBytes(StandardCharsets.UTF_8)))
      .isEqualTo(SPEC_SIGNATURE);
  }

  @Test
  void theSignatureIsTheHmacOfIdTimestampAndBodyWithTheDecodedKey() throws Exception {
    String secret = secretOf(32, 7);
    String body = "{\"event\":\"job.succeeded\",\"name\":\"caf\u00e9 \u2713\"}";
    String signature = WebhookSigner.of(List.of(secret)).signature("msg_1", 1700000000, body);

    assertThat(signature).isEqualTo("v1," + hmac(secret, "msg_1.1700000000." + body));
    // The key is the decoded bytes, not the text of the secret.
    Mac textKeyed = Mac.getInstance("HmacSHA256");
    textKeyed.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String wrong = Base64.getEncoder().encodeToString(
      textKeyed.doFinal(("msg_1.1700000000." + body).getBytes(StandardCharsets.UTF_8)));
    assertThat(signature).isNotEqualTo("v1," + wrong);
  }

  @Test
  void everyPartOfTheContentChangesTheSignature() {
    WebhookSigner signer = WebhookSigner.of(List.of(SPEC_SECRET));
    assertThat(List.of(
      signer.signature("msg_other", SPEC_TIMESTAMP, SPEC_BODY),
      signer.signature(SPEC_ID, SPEC_TIMESTAMP + 1, SPEC_BODY),
      signer.signature(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY + " ")))
      .doesNotContain(SPEC_SIGNATURE)
      .doesNotHaveDuplicates();
  }

  @Test
  void twoSecretsGiveTwoSignaturesInTheirOrder() throws Exception {
    String current = secretOf(32, 1);
    WebhookSigner signer = WebhookSigner.of(List.of(current, SPEC_SECRET));
    String header = signer.signature(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);

    assertThat(header.split(" ")).containsExactly(
      "v1," + hmac(current, SPEC_ID + "." + SPEC_TIMESTAMP + "." + SPEC_BODY),
      SPEC_SIGNATURE);
    assertThat(signer.secretCount()).isEqualTo(2);
    assertThat(signer.toString()).isEqualTo("WebhookSigner[2 secrets]").doesNotContain("whsec_");
  }

  @Test
  void generatedSecretsAreUsableRandomAndOf32Bytes() {
    String one = WebhookSigner.generateSecret();
    String two = WebhookSigner.generateSecret();
    assertThat(one).startsWith("whsec_").isNotEqualTo(two);
    assertThat(Base64.getDecoder().decode(one.substring(6))).hasSize(32);
    assertThat(WebhookSigner.of(List.of(one, two)).signature("msg_1", 1, "{}")).matches("v1,\\S{44} v1,\\S{44}");
  }

  @Test
  void theShortestAndLongestKeysAreAccepted() {
    assertThat(WebhookSigner.of(List.of(secretOf(24, 3))).signature("m", 0, "")).startsWith("v1,");
    assertThat(WebhookSigner.of(List.of(secretOf(64, 3))).signature("m", 0, "")).startsWith("v1,");
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",           // no prefix
    "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",     // prefix in the wrong case
    "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",      // an asymmetric key's prefix
    "whsec_",                                     // no key
    "whsec_not base64 at all!",                   // not base64
    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS-",     // the URL-safe alphabet
    "whsec_c2hvcnQ=",                             // 5 bytes
    " ",
  })
  void badSecretsAreRefusedWithoutQuotingThem(String secret) {
    assertThatThrownBy(() -> WebhookSigner.of(List.of(SPEC_SECRET, secret)))
      .isInstanceOf(IllegalArgumentException.class)
      .hasMessageStartingWith("webhook secret 2 ")
      .hasNoCause()
      .satisfies(e -> {
        String key = secret.startsWith("whsec_") ? secret.substring(6) : secret;
        if (!key.isBlank()) {
          assertThat(e.getMessage()).doesNotContain(key);
        }
      });
  }

  @Test
  void refusalsSayWhatIsWrong() {
    assertThatThrownBy(() -> WebhookSigner.of(List.of("secret")))
      .hasMessage("webhook secret 1 does not start with whsec_");
    assertThatThrownBy(() -> WebhookSigner.of(List.of("whsec_%%%%")))
      .hasMessage("webhook secret 1 is not valid base64 after whsec_");
    assertThatThrownBy(() -> WebhookSigner.of(List.of(secretOf(23, 1))))
      .hasMessage("webhook secret 1 has a key of 23 bytes; 24 to 64 are required");
    assertThatThrownBy(() -> WebhookSigner.of(List.of(secretOf(65, 1))))
      .hasMessage("webhook secret 1 has a key of 65 bytes; 24 to 64 are required");
    assertThatThrownBy(() -> WebhookSigner.of(List.of()))
      .hasMessage("at least one webhook secret is required");
    assertThatThrownBy(() -> WebhookSigner.of(null))
      .hasMessage("at least one webhook secret is required");
    assertThatThrownBy(() -> WebhookSigner.of(Arrays.asList(SPEC_SECRET, null)))
      .hasMessage("webhook secret 2 is empty");
  }

  @Test
  void idsThatWouldMakeTheContentAmbiguousAreRefused() {
    WebhookSigner signer = WebhookSigner.of(List.of(SPEC_SECRET));
    assertThatThrownBy(() -> signer.signature("msg.1", 1, "{}")).hasMessageContaining("'.'");
    assertThatThrownBy(() -> signer.signature("", 1, "{}")).hasMessage("the webhook id is empty");
    assertThatThrownBy(() -> signer.signature("msg 1", 1, "{}")).hasMessageContaining("printable ASCII");
    assertThatThrownBy(() -> signer.signature("msg\r\n1", 1, "{}")).hasMessageContaining("printable ASCII");
    assertThatThrownBy(() -> signer.signature("msg_1", -1, "{}")).hasMessageContaining("negative");
  }
}
