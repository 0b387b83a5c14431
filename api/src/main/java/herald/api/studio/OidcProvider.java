package herald.api.studio;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import herald.api.http.BoundedBody;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The OpenID Connect provider Studio's single sign-on uses (authorization code flow with PKCE): its
 * endpoints from discovery, the exchange of a code for tokens, and the ID token's verification
 * against the provider's published keys (JWKS) with issuer, audience, expiry and nonce checked.
 * Nothing is trusted that the signature does not cover.
 */
final class OidcProvider {
  /** The longest answer read from the provider (discovery, keys, tokens). */
  static final long MAX_BODY = 256 * 1024;

  static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** Keys are fetched again for an unknown key id, but not more often than this. */
  static final Duration KEYS_REFRESH = Duration.ofMinutes(1);

  /** Signature algorithms accepted: asymmetric only, as keys come from the JWKS. */
  static final Set<JWSAlgorithm> ALGORITHMS =
      Set.of(
          JWSAlgorithm.RS256,
          JWSAlgorithm.RS384,
          JWSAlgorithm.RS512,
          JWSAlgorithm.PS256,
          JWSAlgorithm.PS384,
          JWSAlgorithm.PS512,
          JWSAlgorithm.ES256,
          JWSAlgorithm.ES384,
          JWSAlgorithm.ES512);

  /** The provider's endpoints as discovery names them. */
  record Endpoints(String authorization, String token, String jwks) {}

  /** Whom a verified ID token names. */
  record Identity(String subject, String email, boolean emailVerified, String name) {}

  /** The provider refused or answered something that cannot be trusted. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private final HttpClient client;
  private final StudioConfig.Oidc config;
  private volatile Future<Endpoints> endpoints;
  private volatile JWKSet keys;
  private volatile long keysFetchedAt;

  OidcProvider(Vertx vertx, StudioConfig.Oidc config) {
    this.config = config;
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setConnectTimeout((int) TIMEOUT.toMillis())
                .setIdleTimeout((int) TIMEOUT.toSeconds()));
  }

  StudioConfig.Oidc config() {
    return config;
  }

  /** The endpoints, discovered once (a failed discovery is tried again next time). */
  Future<Endpoints> endpoints() {
    Future<Endpoints> e = endpoints;
    if (e == null || e.failed()) {
      e =
          call(
                  HttpMethod.GET,
                  config.issuer().replaceAll("/+$", "") + "/.well-known/openid-configuration",
                  null,
                  null)
              .map(this::endpointsOf);
      endpoints = e;
    }
    return e;
  }

  private Endpoints endpointsOf(JsonObject d) {
    if (!config.issuer().equals(d.getString("issuer"))) {
      throw new Refused(
          "the provider names itself '" + d.getString("issuer") + "', not " + config.issuer());
    }
    String auth = d.getString("authorization_endpoint");
    String token = d.getString("token_endpoint");
    String jwks = d.getString("jwks_uri");
    if (auth == null || token == null || jwks == null) {
      throw new Refused("the provider's discovery document lacks an endpoint");
    }
    return new Endpoints(auth, token, jwks);
  }

  /** Where to send the browser: the code flow with state, nonce and an S256 PKCE challenge. */
  Future<String> authorizationUrl(String redirectUri, String state, String nonce, String verifier) {
    return endpoints()
        .map(
            e ->
                e.authorization()
                    + (e.authorization().contains("?") ? "&" : "?")
                    + form(
                        List.of(
                            "response_type",
                            "code",
                            "client_id",
                            config.clientId(),
                            "redirect_uri",
                            redirectUri,
                            "scope",
                            config.scopes(),
                            "state",
                            state,
                            "nonce",
                            nonce,
                            "code_challenge",
                            challenge(verifier),
                            "code_challenge_method",
                            "S256")));
  }

  /** Exchanges the code (with the PKCE verifier) and verifies the ID token it brings. */
  Future<Identity> exchange(String code, String redirectUri, String verifier, String nonce) {
    return endpoints()
        .compose(
            e ->
                call(
                        HttpMethod.POST,
                        e.token(),
                        form(
                            List.of(
                                "grant_type", "authorization_code",
                                "code", code,
                                "redirect_uri", redirectUri,
                                "client_id", config.clientId(),
                                "code_verifier", verifier)),
                        config.clientSecret().isEmpty() ? null : basic())
                    .compose(
                        t -> {
                          String idToken = t.getString("id_token");
                          if (idToken == null) {
                            return Future.failedFuture(new Refused("no ID token in the answer"));
                          }
                          return verify(e, idToken, nonce);
                        }));
  }

  /** The ID token's claims once its signature, issuer, audience, times and nonce hold. */
  Future<Identity> verify(Endpoints e, String idToken, String nonce) {
    String kid;
    try {
      kid = SignedJWT.parse(idToken).getHeader().getKeyID();
    } catch (java.text.ParseException ex) {
      return Future.failedFuture(new Refused("the ID token is not a signed JWT"));
    }
    JWKSet known = keys;
    boolean stale =
        known == null
            || (kid != null
                && known.getKeyByKeyId(kid) == null
                && System.nanoTime() - keysFetchedAt > KEYS_REFRESH.toNanos());
    Future<JWKSet> set =
        stale
            ? call(HttpMethod.GET, e.jwks(), null, null)
                .map(
                    j -> {
                      try {
                        JWKSet s = JWKSet.parse(j.encode());
                        keys = s;
                        keysFetchedAt = System.nanoTime();
                        return s;
                      } catch (java.text.ParseException ex) {
                        throw new Refused("the provider's keys cannot be read");
                      }
                    })
            : Future.succeededFuture(known);
    return set.map(s -> claims(config, s, idToken, nonce));
  }

  /** Verifies the token against the keys; a failure of any check is {@link Refused}. */
  static Identity claims(StudioConfig.Oidc config, JWKSet set, String idToken, String nonce) {
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    p.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, new ImmutableJWKSet<>(set)));
    p.setJWTClaimsSetVerifier(
        new DefaultJWTClaimsVerifier<>(
            config.clientId(),
            new JWTClaimsSet.Builder().issuer(config.issuer()).claim("nonce", nonce).build(),
            Set.of("sub", "iat", "exp")));
    JWTClaimsSet c;
    try {
      c = p.process(idToken, null);
    } catch (java.text.ParseException
        | com.nimbusds.jose.proc.BadJOSEException
        | com.nimbusds.jose.JOSEException ex) {
      throw new Refused("the ID token does not verify: " + ex.getMessage());
    }
    // Several audiences: the token must have been issued to us (OpenID Connect Core 3.1.3.7).
    if (c.getAudience().size() > 1 && !config.clientId().equals(c.getClaim("azp"))) {
      throw new Refused("the ID token was issued to another party");
    }
    Object verified = c.getClaim("email_verified");
    String email = c.getClaim("email") instanceof String s ? s.strip() : null;
    String name = c.getClaim("name") instanceof String s && !s.isBlank() ? s.strip() : email;
    return new Identity(
        c.getSubject(), email, Boolean.TRUE.equals(verified) || "true".equals(verified), name);
  }

  private String basic() {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString(
                (enc(config.clientId()) + ":" + enc(config.clientSecret()))
                    .getBytes(StandardCharsets.UTF_8));
  }

  /** One bounded exchange with the provider; a JSON object back or a failure. */
  private Future<JsonObject> call(
      HttpMethod method, String url, String formBody, String authorization) {
    RequestOptions o =
        new RequestOptions()
            .setMethod(method)
            .setAbsoluteURI(url)
            .setFollowRedirects(false)
            .setTimeout(TIMEOUT.toMillis())
            .putHeader("Accept", "application/json");
    if (formBody != null) {
      o.putHeader("Content-Type", "application/x-www-form-urlencoded");
    }
    if (authorization != null) {
      o.putHeader("Authorization", authorization);
    }
    return client
        .request(o)
        .compose(req -> formBody == null ? req.send() : req.send(Buffer.buffer(formBody)))
        .compose(
            resp ->
                BoundedBody.read(resp, MAX_BODY)
                    .map(
                        b -> {
                          JsonObject j;
                          try {
                            j = b.toJsonObject();
                          } catch (RuntimeException ex) {
                            throw new Refused("the provider's answer from " + url + " is not JSON");
                          }
                          if (resp.statusCode() != 200) {
                            throw new Refused(
                                "the provider answered "
                                    + resp.statusCode()
                                    + " ("
                                    + j.getString("error", "")
                                    + " "
                                    + j.getString("error_description", "")
                                    + ")");
                          }
                          return j;
                        }))
        .timeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  static String challenge(String verifier) {
    try {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(
              MessageDigest.getInstance("SHA-256")
                  .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }

  private static String form(List<String> pairs) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < pairs.size(); i += 2) {
      if (i > 0) {
        b.append('&');
      }
      b.append(enc(pairs.get(i))).append('=').append(enc(pairs.get(i + 1)));
    }
    return b.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  void close() {
    client.close();
  }
}
