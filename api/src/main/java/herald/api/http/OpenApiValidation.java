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
  /** Operations whose parameters are checked by their own handler, not by the validator. */
  private static final java.util.Set<String> UNCHECKED = java.util.Set.of("search");

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
    // NOTE: vertx-openapi 5.0 takes path parameters only as whole segments; paths such as
    // /v1/entries/{id}.ics are in the served document but not given to the validator.
    JsonObject paths = forValidator.getJsonObject("paths");
    for (String path : java.util.List.copyOf(paths.fieldNames())) {
      if (path.matches(".*\\}[^/].*")) {
        paths.remove(path);
      }
    }
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

  /** Whether the body is declared JSON: {@code application/json} or a {@code +json} type. */
  static boolean isJson(RoutingContext ctx) {
    String ct = ctx.request().getHeader("Content-Type");
    if (ct == null) {
      return false;
    }
    String type = ct.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
    return type.equals("application/json")
        || type.startsWith("application/") && type.endsWith("+json");
  }

  /**
   * Validates parameters and bodies against the operation the request matches; a request that
   * matches none goes on (and ends in the router's 404 or 405).
   */
  public Handler<RoutingContext> validate() {
    return ctx -> {
      Operation op = contract.findOperation(ctx.request().path(), ctx.request().method());
      // NOTE: vertx-openapi reads a query value that starts with a quote as JSON, so it refused
      // searches such as "drug policy" balkans; search checks its own parameters
      // (SearchFrontDoor) and leaves the text to the indexer.
      if (op == null || UNCHECKED.contains(op.getOperationId())) {
        ctx.next();
        return;
      }
      if (op.getRequestBody() != null && !Bodies.isEmpty(ctx) && !isJson(ctx)) {
        ctx.fail(
            new ProblemException(
                Problem.of(
                    415,
                    "unsupported-media-type",
                    "Unsupported media type",
                    "Send the body as application/json (Content-Type was "
                        + (ctx.request().getHeader("Content-Type") == null
                            ? "missing"
                            : "'" + ctx.request().getHeader("Content-Type") + "'")
                        + ").")));
        return;
      }
      Future<io.vertx.openapi.validation.ValidatableRequest> extracted;
      try {
        extracted = extractor.extractValidatableRequest(ctx, op);
      } catch (RuntimeException e) {
        extracted = Future.failedFuture(e);
      }
      extracted
          .compose(req -> validator.validate(req, op.getOperationId()))
          .onSuccess(v -> ctx.next())
          .onFailure(
              t -> {
                if (decodedTwice(t)) {
                  ctx.next();
                  return;
                }
                ctx.fail(
                    new ProblemException(
                        Problem.of(
                            400,
                            "contract",
                            "The request does not match the API contract",
                            t.getMessage()
                                + " (see /openapi.json, operation "
                                + op.getOperationId()
                                + ")")));
              });
    };
  }

  /**
   * NOTE: vertx-openapi 5.0 decodes query values a second time, so a value that holds a {@code %}
   * once decoded ({@code q=100%25}) fails there though it is valid; the handlers check such
   * parameters themselves, so the request goes on.
   */
  private static boolean decodedTwice(Throwable t) {
    return t.getMessage() != null && t.getMessage().startsWith("Can't decode URL value");
  }
}
