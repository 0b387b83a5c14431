package herald.api.content;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.text.TextContentRenderer;
import org.owasp.html.HtmlPolicyBuilder;
import org.owasp.html.PolicyFactory;
import org.owasp.html.Sanitizers;

/**
 * Rich text as delivered: the CommonMark source, HTML that is safe to insert into a page, and plain
 * text for previews and search snippets.
 */
public final class RichText {
  private static final List<Extension> EXTENSIONS = List.of(TablesExtension.create());
  private static final Parser PARSER = Parser.builder().extensions(EXTENSIONS).build();

  // Raw HTML in the source is escaped by the renderer and the output is sanitised as well, so
  // neither a script nor a javascript: link can come through.
  private static final HtmlRenderer HTML =
      HtmlRenderer.builder().extensions(EXTENSIONS).escapeHtml(true).sanitizeUrls(true).build();
  private static final TextContentRenderer TEXT =
      TextContentRenderer.builder().extensions(EXTENSIONS).build();
  private static final PolicyFactory POLICY =
      Sanitizers.FORMATTING
          .and(Sanitizers.BLOCKS)
          .and(Sanitizers.LINKS)
          .and(Sanitizers.TABLES)
          .and(Sanitizers.IMAGES)
          .and(
              new HtmlPolicyBuilder()
                  .allowElements("pre", "code", "hr", "br", "thead", "tbody")
                  .allowAttributes("class")
                  .matching(java.util.regex.Pattern.compile("language-[a-zA-Z0-9_+-]{1,30}"))
                  .onElements("code")
                  .toFactory());

  private RichText() {}

  /** {@code {"markdown", "html", "text"}} for a CommonMark source. */
  public static JsonObject render(String markdown) {
    Node doc = PARSER.parse(markdown);
    return new JsonObject()
        .put("markdown", markdown)
        .put("html", POLICY.sanitize(HTML.render(doc)))
        .put("text", TEXT.render(doc).strip());
  }
}
