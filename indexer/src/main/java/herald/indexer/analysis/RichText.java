package herald.indexer.analysis;

import org.commonmark.node.AbstractVisitor;
import org.commonmark.node.Block;
import org.commonmark.node.Code;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.HardLineBreak;
import org.commonmark.node.HtmlBlock;
import org.commonmark.node.HtmlInline;
import org.commonmark.node.IndentedCodeBlock;
import org.commonmark.node.Node;
import org.commonmark.node.SoftLineBreak;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;

/**
 * The words of a CommonMark rich-text value: markup, link targets and raw HTML (scripts included)
 * dropped, one line per block, so that only what a reader sees is searched and shown in snippets.
 */
public final class RichText {
  private static final Parser PARSER = Parser.builder().build();

  private RichText() {}

  /** Plain text of the CommonMark source. */
  public static String plainText(String markdown) {
    if (markdown == null || markdown.isBlank()) {
      return "";
    }
    StringBuilder out = new StringBuilder(markdown.length());
    PARSER.parse(markdown).accept(new Words(out));
    return out.toString().replaceAll("[ \\t]+", " ").replaceAll(" ?\\n+ ?", "\n").strip();
  }

  private static final class Words extends AbstractVisitor {
    private final StringBuilder out;
    // Inside an inline <script> or <style>: its text is code, not words.
    private boolean inScript;

    Words(StringBuilder out) {
      this.out = out;
    }

    @Override
    public void visit(Text text) {
      if (!inScript) {
        out.append(text.getLiteral());
      }
    }

    @Override
    public void visit(Code code) {
      out.append(code.getLiteral());
    }

    @Override
    public void visit(FencedCodeBlock block) {
      out.append(block.getLiteral()).append('\n');
    }

    @Override
    public void visit(IndentedCodeBlock block) {
      out.append(block.getLiteral()).append('\n');
    }

    @Override
    public void visit(HtmlInline html) {
      // Raw HTML is markup, not words; what a script or style element holds is not words either.
      String tag = html.getLiteral().toLowerCase(java.util.Locale.ROOT);
      if (tag.startsWith("<script") || tag.startsWith("<style")) {
        inScript = true;
      } else if (tag.startsWith("</script") || tag.startsWith("</style")) {
        inScript = false;
      }
    }

    @Override
    public void visit(HtmlBlock html) {
      out.append('\n');
    }

    @Override
    public void visit(SoftLineBreak br) {
      out.append(' ');
    }

    @Override
    public void visit(HardLineBreak br) {
      out.append(' ');
    }

    @Override
    protected void visitChildren(Node parent) {
      super.visitChildren(parent);
      if (parent instanceof Block) {
        out.append('\n');
      }
    }
  }
}
