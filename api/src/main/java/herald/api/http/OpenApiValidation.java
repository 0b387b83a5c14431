package herald.api.http;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.RequestValidator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The published contract ({@code openapi.json}, OpenAPI 3.1) served to clients and used to check
 * every request that matches one of its operations before a handler sees it.
 */
public final class OpenApiValidation {
  private final JsonObject raw;
  private final OpenAPIContract contract;
  private final RequestValidator validator;
  private final RequestExtractor extractor = RequestExtractor.withBodyHandler();

  private OpenApiValidation(Vertx vertx, JsonObject raw, OpenAPIContract contract) {
    this.raw = raw;
    this.contract = contract;
    this.validator = RequestValidator.create(vertx, ReusedValidators.of(contract));
  }

  /** Loads and checks the contract from the class path. */
  public static Future<OpenApiValidation> load(Vertx vertx) {
    JsonObject raw = document();
    // NOTE: vertx-openapi 5.0 refuses application/problem+json as a response media type; responses
    // are not validated here, so the validator gets a copy that names it application/json.
    JsonObject forValidator = raw.copy();
    JsonObject problem =
        forValidator
            .getJsonObject("components")
            .getJsonObject("responses")
            .getJsonObject("Problem");
    JsonObject content = problem.getJsonObject("content");
    problem.put(
        "content",
        new JsonObject().put("application/json", content.getValue(Problem.CONTENT_TYPE)));
    return OpenAPIContract.from(vertx, forValidator).map(c -> new OpenApiValidation(vertx, raw, c));
  }

  /** The contract as JSON. */
  public static JsonObject document() {
    try (InputStream in = OpenApiValidation.class.getResourceAsStream("/openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the class path");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Serves the contract. */
  public Handler<RoutingContext> serve() {
    String body = raw.encode() + "\n";
    return ctx ->
        ctx.response()
            .putHeader("Content-Type", "application/json; charset=utf-8")
            .putHeader("Cache-Control", "public, max-age=300")
            .end(body);
  }

  /**
   * Validates parameters and bodies against the operation the request matches; a request that
   * matches none goes on (and ends in the router's 404 or 405).
   */
  public Handler<RoutingContext> validate() {
    return ctx -> {
      Operation op = contract.findOperation(ctx.request().path(), ctx.request().method());
      if (op == null) {
        ctx.next();
        return;
      }
      extractor
          .extractValidatableRequest(ctx, op)
          .compose(req -> validator.validate(req, op.getOperationId()))
          .onSuccess(v -> ctx.next())
          .onFailure(
              t ->
                  ctx.fail(
                      new ProblemException(
                          Problem.of(
                              400,
                              "contract",
                              "The request does not match the API contract",
                              t.getMessage()
                                  + " (see /openapi.json, operation "
                                  + op.getOperationId()
                                  + ")"))));
    };
  }
}
