package herald.indexer.http;

/** Thrown (or used to fail a future) to answer a request with a problem. */
public final class ProblemException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Problem problem;

  public ProblemException(Problem problem) {
    // No stack trace: this is an answer to a client, not a fault to debug.
    super(problem.title() + ": " + problem.detail(), null, false, false);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }

  /** A request parameter that is missing or out of range. */
  public static ProblemException badRequest(String detail) {
    return new ProblemException(Problem.of(400, "bad-request", "Bad request", detail));
  }
}
