package dev.offload.webhooks;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Signs webhook deliveries the <a href="https://www.standardwebhooks.com">Standard Webhooks</a> way, so
 * that a receiver can check them with any of that project's libraries instead of code written for us.
 *
 * <p>The signed content is {@code <webhook-id>.<webhook-timestamp>.<body>}; a signature is
 * {@code v1,} followed by the base64 of its HMAC-SHA256. A secret is written {@code whsec_<base64 key>}
 * and the HMAC key is the decoded part after {@code whsec_} (not the text itself). Given several secrets
 * the {@code webhook-signature} header carries one signature per secret, space-separated, in the order
 * given: during a rotation the new and the old secret both sign and the receiver accepts either.
 *
 * <p>A key must be {@value #MIN_KEY_BYTES} to {@value #MAX_KEY_BYTES} bytes, the range the specification
 * gives for symmetric secrets (192 to 512 bits): shorter ones are guessable, and receivers' libraries may
 * refuse longer ones. Refusals name the secret by its position, never by its text.
 *
 * <p>Immutable and thread-safe; signing does no I/O, so it is fine on an event loop.
 */
public final class WebhookSigner {
  /** What a Standard Webhooks symmetric secret starts with. */
  public static final String SECRET_PREFIX = "whsec_";
  /** The shortest key accepted, in bytes (192 bits). */
  public static final int MIN_KEY_BYTES = 24;
  /** The longest key accepted, in bytes (512 bits). */
  public static final int MAX_KEY_BYTES = 64;
  /** The size of the keys {@link #generateSecret()} makes, in bytes. */
  public static final int GENERATED_KEY_BYTES = 32;

  private static final String ALGORITHM = "HmacSHA256";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final List<SecretKeySpec> keys;

  private WebhookSigner(List<SecretKeySpec> keys) {
    this.keys = List.copyOf(keys);
  }

  /**
   * A signer for {@code secrets}, current one first.
   *
   * @throws IllegalArgumentException when there is no secret, or one is not {@code whsec_} followed by
   *     standard base64 of {@value #MIN_KEY_BYTES} to {@value #MAX_KEY_BYTES} bytes
   */
  public static WebhookSigner of(List<String> secrets) {
    if (secrets == null || secrets.isEmpty()) {
      throw new IllegalArgumentException("at least one webhook secret is required");
    }
    List<SecretKeySpec> keys = new ArrayList<>(secrets.size());
    for (int i = 0; i < secrets.size(); i++) {
      keys.add(new SecretKeySpec(key(secrets.get(i), i + 1), ALGORITHM));
    }
    return new WebhookSigner(keys);
  }

  /** The key bytes of {@code secret}, the {@code position}th (from 1) of the list, or a refusal that names only its position. */
  private static byte[] key(String secret, int position) {
    String which = "webhook secret " + position;
    if (secret == null || secret.isBlank()) {
      throw new IllegalArgumentException(which + " is empty");
    }
    if (!secret.startsWith(SECRET_PREFIX)) {
      throw new IllegalArgumentException(which + " does not start with " + SECRET_PREFIX);
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    } catch (IllegalArgumentException e) {
      // Not chained: the decoder's message quotes the offending character of the secret.
      throw new IllegalArgumentException(which + " is not valid base64 after " + SECRET_PREFIX);
    }
    if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException(which + " has a key of " + key.length + " bytes; "
        + MIN_KEY_BYTES + " to " + MAX_KEY_BYTES + " are required");
    }
    return key;
  }

  /**
   * A new random secret ({@value #GENERATED_KEY_BYTES} bytes from {@link SecureRandom}) in the
   * {@code whsec_} form, for documentation and development set-ups.
   */
  public static String generateSecret() {
    byte[] key = new byte[GENERATED_KEY_BYTES];
    RANDOM.nextBytes(key);
    return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** The {@code webhook-signature} header value for {@code body} sent as UTF-8; see {@link #signature(String, long, byte[])}. */
  public String signature(String id, long timestampSeconds, String body) {
    return signature(id, timestampSeconds, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The {@code webhook-signature} header value: {@code v1,<base64>} for each secret, space-separated.
   * Sign the very bytes that are sent: a signature over a re-serialised body does not verify.
   *
   * @param id the {@code webhook-id} header; the same on every retry of a message
   * @param timestampSeconds the {@code webhook-timestamp} header: Unix seconds of this attempt
   * @throws IllegalArgumentException when {@code id} is empty, holds a {@code .} (which would make the
   *     signed content ambiguous, as the specification warns) or a character not fit for a header,
   *     or when the timestamp is negative
   */
  public String signature(String id, long timestampSeconds, byte[] body) {
    checkId(id);
    if (timestampSeconds < 0) {
      throw new IllegalArgumentException("the webhook timestamp must not be negative");
    }
    byte[] prefix = (id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
    StringBuilder header = new StringBuilder();
    for (SecretKeySpec key : keys) {
      Mac mac = mac(key);
      mac.update(prefix);
      mac.update(body);
      if (header.length() > 0) {
        header.append(' ');
      }
      header.append("v1,").append(Base64.getEncoder().encodeToString(mac.doFinal()));
    }
    return header.toString();
  }

  /** How many secrets sign each message. */
  public int secretCount() {
    return keys.size();
  }

  private static void checkId(String id) {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("the webhook id is empty");
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c == '.') {
        throw new IllegalArgumentException("the webhook id must not contain '.'");
      }
      if (c <= ' ' || c >= 0x7f) {
        throw new IllegalArgumentException("the webhook id must be printable ASCII without spaces");
      }
    }
  }

  /** A fresh MAC: a {@link Mac} is stateful, so one is not shared between threads. */
  private static Mac mac(SecretKeySpec key) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }

  /** Never the secrets. */
  @Override
  public String toString() {
    return "WebhookSigner[" + keys.size() + (keys.size() == 1 ? " secret]" : " secrets]");
  }
}
