package dev.offload.auth;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Verified tokens are kept only while they are valid, never past their exp (plus leeway). */
class VerifiedTokensTest {

  private static User user(Long exp) {
    JsonObject claims = new JsonObject().put("sub", "alice");
    if (exp != null) {
      claims.put("exp", exp);
    }
    User user = User.create(new JsonObject().put("access_token", "t"));
    user.attributes().put("accessToken", claims);
    return user;
  }

  private static long nowSeconds() {
    return System.currentTimeMillis() / 1000;
  }

  @Test
  void aValidTokenIsKeptAndAKeySetChangeForgetsIt() {
    VerifiedTokens tokens = new VerifiedTokens(0);
    User alice = user(nowSeconds() + 3600);
    tokens.put("token-a", alice);
    assertThat(tokens.get("token-a")).isSameAs(alice);
    assertThat(tokens.get("token-b")).as("another token").isNull();
    tokens.clear();
    assertThat(tokens.get("token-a")).isNull();
  }

  @Test
  void anExpiredTokenIsNeverServed() {
    VerifiedTokens strict = new VerifiedTokens(0);
    strict.put("expired", user(nowSeconds() - 1));
    assertThat(strict.get("expired")).isNull();
    strict.put("no-exp", user(null));
    assertThat(strict.get("no-exp")).as("a token without exp is not kept").isNull();

    VerifiedTokens lenient = new VerifiedTokens(30);
    lenient.put("within-leeway", user(nowSeconds() - 1));
    assertThat(lenient.get("within-leeway")).as("still valid within the leeway").isNotNull();
    lenient.put("past-leeway", user(nowSeconds() - 31));
    assertThat(lenient.get("past-leeway")).isNull();
  }
}
