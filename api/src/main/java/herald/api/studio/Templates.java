package herald.api.studio;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.Utf8ByteOutput;
import io.vertx.core.buffer.Buffer;
import java.util.Map;

/**
 * The precompiled Studio templates ({@code api/src/main/jte}, package {@code
 * herald.api.studio.templates}): HTML escaped by context, a template error fails the build.
 */
final class Templates {
  static final String PACKAGE = "herald.api.studio.templates";
  private final TemplateEngine engine =
      TemplateEngine.createPrecompiled(null, ContentType.Html, null, PACKAGE);

  Buffer render(String template, Map<String, Object> params) {
    Utf8ByteOutput out = new Utf8ByteOutput();
    engine.render(template + ".jte", params, out);
    return Buffer.buffer(out.toByteArray());
  }
}
