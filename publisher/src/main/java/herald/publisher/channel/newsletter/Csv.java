package herald.publisher.channel.newsletter;

/** One CSV cell (RFC 4180), safe to open in a spreadsheet. */
final class Csv {
  private Csv() {}

  /**
   * The value quoted when it needs to be; a value a spreadsheet would take for a formula (starting
   * with =, +, -, @, a tab or a carriage return) gets a leading apostrophe (OWASP's advice).
   */
  static String cell(String value) {
    if (value == null) {
      return "";
    }
    String v = value;
    if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
      v = "'" + v;
    }
    if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
      return "\"" + v.replace("\"", "\"\"") + "\"";
    }
    return v;
  }
}
