package herald.events.health;

import herald.events.ConsumerLoop;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Whether a service can do its job, from named checks that each answer at once (from what a {@link
 * Probe} or a worker last saw), so that {@code /health/ready} never waits on a dead dependency. The
 * service is ready when every check is up; the report names each check and the ones that are down.
 */
public final class Readiness {
  private final Map<String, Supplier<Check>> checks = new LinkedHashMap<>();

  /** Adds a check; its supplier must not block. */
  public Readiness add(String name, Supplier<Check> check) {
    checks.put(name, check);
    return this;
  }

  /** Adds a dependency checked in the background. */
  public Readiness add(Probe probe) {
    return add(probe.name(), probe::check);
  }

  /** Adds a consumer: up while it runs, down while it starts, retries, failed or stopped. */
  public Readiness add(ConsumerLoop loop) {
    return add(loop.name(), () -> Check.of(loop.status()));
  }

  /** The checks as they are now. */
  public Report report() {
    Map<String, Check> now = new LinkedHashMap<>();
    checks.forEach((name, check) -> now.put(name, check.get()));
    return new Report(now);
  }

  /** Every check at one moment. */
  public record Report(Map<String, Check> checks) {
    /** Whether every check is up. */
    public boolean up() {
      return checks.values().stream().allMatch(Check::up);
    }

    /** The names of the checks that are down. */
    public List<String> down() {
      List<String> out = new ArrayList<>();
      checks.forEach(
          (name, c) -> {
            if (!c.up()) {
              out.add(name);
            }
          });
      return out;
    }

    /**
     * The body of {@code /health/ready}: {@code {"status":"UP"|"DOWN","down":[…],"checks":{name:
     * {"status":…,"detail":…,"since":…}}}}.
     */
    public Map<String, Object> toMap() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("status", up() ? "UP" : "DOWN");
      out.put("down", down());
      Map<String, Object> each = new LinkedHashMap<>();
      checks.forEach((name, c) -> each.put(name, c.toMap()));
      out.put("checks", each);
      return out;
    }
  }
}
