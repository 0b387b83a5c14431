package herald.publisher.channel.website;

import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.owasp.html.HtmlPolicyBuilder;
import org.owasp.html.PolicyFactory;
import org.owasp.html.Sanitizers;

/**
 * Rich text fields (CommonMark) as safe HTML. Two layers: CommonMark escapes any raw HTML the
 * editor typed and drops unsafe link schemes, then the OWASP sanitizer keeps only an allow-list of
 * elements and attributes (no script, style, event handlers, svg, iframes; links only to http,
 * https and mailto), so that a bug or a future option in one layer is caught by the other.
 */
public final class RichText {

  private static final Parser PARSER = Parser.builder().build();

  private static final HtmlRenderer RENDERER =
      HtmlRenderer.builder().escapeHtml(true).sanitizeUrls(true).build();

  private static final PolicyFactory POLICY =
      Sanitizers.FORMATTING
          .and(Sanitizers.BLOCKS)
          .and(Sanitizers.LINKS)
          .and(Sanitizers.TABLES)
          .and(Sanitizers.IMAGES)
          .and(
              new HtmlPolicyBuilder()
                  .allowElements("pre", "code", "hr")
                  // Links written by editors leave the site: no referrer, no window.opener.
                  .allowElements("a")
                  .requireRelsOnLinks("noopener", "noreferrer")
                  .toFactory());

  private RichText() {}

  /** The HTML of a CommonMark text, safe to put into a page as it is. */
  public static String toSafeHtml(String commonMark) {
    String html = RENDERER.render(PARSER.parse(commonMark));
    return POLICY.sanitize(html);
  }
}
