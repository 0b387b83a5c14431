package herald.publisher.channel.newsletter;

import java.util.List;
import java.util.Map;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.text.LineBreakRendering;
import org.commonmark.renderer.text.TextContentRenderer;
import org.owasp.html.HtmlPolicyBuilder;
import org.owasp.html.PolicyFactory;

/**
 * Rich text (CommonMark with tables) for email: HTML that is sanitised by an allow-list and then
 * given inline styles (mail clients drop style sheets), and a plain-text rendering.
 *
 * <p>Raw HTML in the source is escaped, not passed through: {@code <script>} shows as text. Links
 * keep only http, https and mailto URLs.
 */
final class EmailRichText {

  private static final List<Extension> EXTENSIONS = List.of(TablesExtension.create());
  private static final Parser PARSER = Parser.builder().extensions(EXTENSIONS).build();
  private static final HtmlRenderer HTML =
      HtmlRenderer.builder().extensions(EXTENSIONS).escapeHtml(true).sanitizeUrls(true).build();
  private static final TextContentRenderer TEXT =
      TextContentRenderer.builder()
          .extensions(EXTENSIONS)
          // A blank line between paragraphs, as people write plain-text mail.
          .lineBreakRendering(LineBreakRendering.SEPARATE_BLOCKS)
          .build();

  private static final PolicyFactory POLICY =
      new HtmlPolicyBuilder()
          .allowElements(
              "p",
              "br",
              "strong",
              "em",
              "b",
              "i",
              "code",
              "pre",
              "blockquote",
              "ul",
              "ol",
              "li",
              "h2",
              "h3",
              "h4",
              "a",
              "table",
              "thead",
              "tbody",
              "tr",
              "th",
              "td",
              "hr")
          .allowUrlProtocols("https", "http", "mailto")
          .allowAttributes("href")
          .onElements("a")
          .requireRelsOnLinks("noopener")
          .toFactory();

  /** Inline styles per opening tag, applied to the sanitiser's normalised output. */
  private static final Map<String, String> STYLES =
      Map.ofEntries(
          Map.entry("<p>", "<p style=\"margin:0 0 12px;font-size:16px;line-height:1.55;\">"),
          Map.entry("<ul>", "<ul style=\"margin:0 0 12px;padding-left:22px;\">"),
          Map.entry("<ol>", "<ol style=\"margin:0 0 12px;padding-left:22px;\">"),
          Map.entry("<li>", "<li style=\"margin:0 0 6px;font-size:16px;line-height:1.5;\">"),
          Map.entry("<h2>", "<h2 style=\"margin:16px 0 8px;font-size:18px;\">"),
          Map.entry("<h3>", "<h3 style=\"margin:14px 0 6px;font-size:16px;\">"),
          Map.entry("<h4>", "<h4 style=\"margin:12px 0 6px;font-size:15px;\">"),
          Map.entry(
              "<blockquote>",
              "<blockquote style=\"margin:0 0 12px;padding-left:12px;border-left:3px solid #d1d5db;color:#4b5563;\">"),
          Map.entry(
              "<table>",
              "<table role=\"presentation\" style=\"width:100%;border-collapse:collapse;margin:0 0 12px;font-size:14px;\">"),
          Map.entry(
              "<th>",
              "<th style=\"text-align:left;padding:6px;border-bottom:2px solid #e5e7eb;\">"),
          Map.entry(
              "<td>",
              "<td style=\"padding:6px;border-bottom:1px solid #e5e7eb;vertical-align:top;\">"),
          Map.entry("<a href=", "<a style=\"color:#1d4ed8;\" href="));

  private EmailRichText() {}

  /** Sanitised, inline-styled HTML of CommonMark source. */
  static String html(String markdown) {
    Node doc = PARSER.parse(markdown);
    String safe = POLICY.sanitize(HTML.render(doc));
    for (Map.Entry<String, String> s : STYLES.entrySet()) {
      safe = safe.replace(s.getKey(), s.getValue());
    }
    return safe;
  }

  /** Plain text of CommonMark source, for the text/plain part. */
  static String text(String markdown) {
    return TEXT.render(PARSER.parse(markdown)).strip();
  }
}
