package herald.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The matrix's result table, in Markdown: printed at the end of the run and kept in a file. */
final class MatrixTable {
  /** One fault's line. */
  record Row(
      String fault,
      String how,
      Map<String, List<String>> invariants,
      double recoverSeconds,
      double drainSeconds) {
    boolean passed() {
      return invariants.values().stream().allMatch(List::isEmpty);
    }
  }

  private final List<Row> rows = new ArrayList<>();
  private final long seed;

  MatrixTable(long seed) {
    this.seed = seed;
  }

  synchronized void add(Row row) {
    rows.add(row);
  }

  synchronized String markdown(String header) {
    StringBuilder b = new StringBuilder();
    b.append(header).append("\n\n");
    b.append("| fault | how injected | invariants | result | time to recover |\n");
    b.append("| --- | --- | --- | --- | --- |\n");
    for (Row r : rows) {
      StringBuilder inv = new StringBuilder();
      for (Map.Entry<String, List<String>> i : r.invariants().entrySet()) {
        if (inv.length() > 0) {
          inv.append(' ');
        }
        inv.append(i.getKey()).append(i.getValue().isEmpty() ? " ✔" : " ✘");
      }
      b.append("| ")
          .append(r.fault())
          .append(" | ")
          .append(r.how().replace("|", "\\|"))
          .append(" | ")
          .append(inv)
          .append(" | ")
          .append(r.passed() ? "pass" : "FAIL")
          .append(" | ")
          .append(
              String.format(
                  Locale.ROOT,
                  "%.1f s ready, %.1f s drained",
                  r.recoverSeconds(),
                  r.drainSeconds()))
          .append(" |\n");
    }
    List<Row> failed = rows.stream().filter(r -> !r.passed()).toList();
    if (!failed.isEmpty()) {
      b.append("\nViolations:\n");
      for (Row r : failed) {
        r.invariants()
            .forEach(
                (name, wrong) ->
                    wrong.forEach(
                        w ->
                            b.append("- ")
                                .append(r.fault())
                                .append(", ")
                                .append(name)
                                .append(": ")
                                .append(w)
                                .append('\n')));
      }
    }
    b.append("\nSeed ").append(seed).append('.');
    return b.toString();
  }

  void write(Path file, String header) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, markdown(header) + "\n");
  }
}
