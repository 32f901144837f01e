package dev.offload.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * An identity provider's key pair for tests: the public half as the PEM file or JWK the service
 * is given, the private half to sign tokens with (through vertx-auth-jwt, as an issuer would).
 */
public record TestKeys(String algorithm, KeyPair pair, String kid) {

  public static TestKeys generate(String algorithm, String kid) {
    try {
      KeyPairGenerator generator;
      switch (algorithm) {
        case "RS256" -> {
          generator = KeyPairGenerator.getInstance("RSA");
          generator.initialize(2048);
        }
        case "ES256" -> {
          generator = KeyPairGenerator.getInstance("EC");
          generator.initialize(new ECGenParameterSpec("secp256r1"));
        }
        case "EdDSA" -> generator = KeyPairGenerator.getInstance("Ed25519");
        default -> throw new IllegalArgumentException(algorithm);
      }
      return new TestKeys(algorithm, generator.generateKeyPair(), kid);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public String publicPem() {
    return pem("PUBLIC KEY", pair.getPublic().getEncoded());
  }

  public String privatePem() {
    return pem("PRIVATE KEY", pair.getPrivate().getEncoded());
  }

  /** Writes the public key as PEM into {@code dir}; returns the file. */
  public Path writePublicPem(Path dir) {
    try {
      return Files.writeString(dir.resolve(kid + ".pem"), publicPem());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The public key as a JWK (RFC 7517) with {@code kid} and {@code alg}; RSA and EC only. */
  public JsonObject publicJwk() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    JsonObject jwk = new JsonObject().put("kid", kid).put("alg", algorithm).put("use", "sig");
    if (pair.getPublic() instanceof RSAPublicKey rsa) {
      return jwk.put("kty", "RSA").put("n", b64.encodeToString(unsigned(rsa.getModulus(), 256)))
        .put("e", b64.encodeToString(unsigned(rsa.getPublicExponent(), 1)));
    }
    ECPublicKey ec = (ECPublicKey) pair.getPublic();
    return jwk.put("kty", "EC").put("crv", "P-256")
      .put("x", b64.encodeToString(unsigned(ec.getW().getAffineX(), 32)))
      .put("y", b64.encodeToString(unsigned(ec.getW().getAffineY(), 32)));
  }

  /** A token for {@code claims}, signed with the private key; {@code kid} in its header. */
  public String sign(Vertx vertx, JsonObject claims) {
    JWTAuth issuer = JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(privatePem()).setId(kid)));
    return issuer.generateToken(claims.copy(), new JWTOptions().setAlgorithm(algorithm).setNoTimestamp(true));
  }

  /** Claims the test service accepts for {@code subject}: its issuer and audience, read and write, 10 minutes. */
  public static JsonObject claims(String subject) {
    return new JsonObject().put("sub", subject).put("scope", TestService.READ_WRITE)
      .put("iss", TestService.ISSUER).put("aud", TestService.AUDIENCE)
      .put("exp", System.currentTimeMillis() / 1000 + 600);
  }

  private static byte[] unsigned(BigInteger value, int minLength) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    if (bytes.length >= minLength) {
      return bytes;
    }
    byte[] padded = new byte[minLength];
    System.arraycopy(bytes, 0, padded, minLength - bytes.length, bytes.length);
    return padded;
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
      + "\n-----END " + label + "-----\n";
  }
}
