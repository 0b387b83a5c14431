package herald.api.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Thrown (or used to fail a future) to answer a request with a problem. */
public final class ProblemException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Problem problem;

  public ProblemException(Problem problem) {
    super(problem.title() + ": " + problem.detail(), null, false, false);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }

  public static ProblemException badRequest(String detail) {
    return new ProblemException(Problem.of(400, "bad-request", "Bad request", detail));
  }

  public static ProblemException notFound(String detail) {
    return new ProblemException(Problem.of(404, "not-found", "Not found", detail));
  }

  public static ProblemException conflict(String detail) {
    return new ProblemException(Problem.of(409, "conflict", "Conflict", detail));
  }

  public static ProblemException unauthorized(String detail) {
    return new ProblemException(Problem.of(401, "unauthorized", "Unauthorized", detail));
  }

  public static ProblemException forbidden(String detail) {
    return new ProblemException(Problem.of(403, "forbidden", "Forbidden", detail));
  }

  /** A request that is well-formed but breaks the content model: 422 with per-field errors. */
  public static ProblemException invalid(String detail, JsonArray errors) {
    return new ProblemException(
        Problem.of(422, "validation", "The content does not fit its type", detail)
            .withErrors(errors));
  }

  public static JsonObject fieldError(String field, String detail) {
    return new JsonObject().put("field", field).put("detail", detail);
  }
}
