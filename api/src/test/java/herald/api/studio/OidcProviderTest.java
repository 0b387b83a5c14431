package herald.api.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The ID token's checks: only a token the provider's keys signed, for us, now, with our nonce. */
class OidcProviderTest {
  static final String ISSUER = "https://id.herald.test/realm";
  static final String CLIENT = "herald-studio";
  static final String NONCE = "n-0S6_WzA2Mj";

  final RSAKey providers = key("provider-1");
  final RSAKey strangers = key("provider-1"); // same key id, another key
  final JWKSet published = new JWKSet(providers.toPublicJWK());
  final StudioConfig.Oidc config =
      new StudioConfig.Oidc(ISSUER, CLIENT, "", "SSO", "openid email profile", Optional.empty());

  static RSAKey key(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new AssertionError(e);
    }
  }

  static JWTClaimsSet.Builder claims() {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .subject("olga-1")
        .audience(CLIENT)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(300)))
        .claim("nonce", NONCE)
        .claim("email", "olga@herald.test")
        .claim("email_verified", true)
        .claim("name", "Olga Oidc");
  }

  static String sign(RSAKey key, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  @Test
  void aTokenTheProviderSignedForUsIsAccepted() throws Exception {
    OidcProvider.Identity id =
        OidcProvider.claims(config, published, sign(providers, claims().build()), NONCE);
    assertEquals("olga-1", id.subject());
    assertEquals("olga@herald.test", id.email());
    assertTrue(id.emailVerified());
    assertEquals("Olga Oidc", id.name());
  }

  @Test
  void aTokenSignedByAnotherKeyIsRefused() throws Exception {
    String forged = sign(strangers, claims().build());
    OidcProvider.Refused e =
        assertThrows(
            OidcProvider.Refused.class,
            () -> OidcProvider.claims(config, published, forged, NONCE));
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
  }

  @Test
  void aSymmetricOrUnsignedTokenIsRefused() throws Exception {
    SignedJWT hs = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims().build());
    hs.sign(new MACSigner(new byte[32]));
    assertThrows(
        OidcProvider.Refused.class,
        () -> OidcProvider.claims(config, published, hs.serialize(), NONCE));
    String none = new com.nimbusds.jwt.PlainJWT(claims().build()).serialize();
    assertThrows(
        OidcProvider.Refused.class, () -> OidcProvider.claims(config, published, none, NONCE));
  }

  @Test
  void anotherNonceIssuerAudienceOrAnExpiredTokenIsRefused() throws Exception {
    String good = sign(providers, claims().build());
    assertThrows(
        OidcProvider.Refused.class, () -> OidcProvider.claims(config, published, good, "other"));
    for (JWTClaimsSet bad :
        List.of(
            claims().issuer("https://evil.test").build(),
            claims().audience("someone-else").build(),
            claims().expirationTime(Date.from(Instant.now().minusSeconds(3600))).build(),
            claims().audience(List.of(CLIENT, "someone-else")).build())) {
      String token = sign(providers, bad);
      assertThrows(
          OidcProvider.Refused.class,
          () -> OidcProvider.claims(config, published, token, NONCE),
          bad.toString());
    }
    // Several audiences are fine when we are the authorized party.
    String shared =
        sign(providers, claims().audience(List.of(CLIENT, "other")).claim("azp", CLIENT).build());
    assertEquals("olga-1", OidcProvider.claims(config, published, shared, NONCE).subject());
  }

  @Test
  void anUnverifiedAddressIsReportedAsSuch() throws Exception {
    String token = sign(providers, claims().claim("email_verified", false).build());
    assertFalse(OidcProvider.claims(config, published, token, NONCE).emailVerified());
  }

  @Test
  void theChallengeIsS256OfTheVerifier() {
    // The expected value computed apart (Python: base64url(sha256(verifier)), unpadded).
    assertEquals(
        "_u5sVkEg_xMvCzvpRIS7S104fg233HQQmEjUSQWmUxQ",
        OidcProvider.challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gXFT6NEJk"));
  }
}
