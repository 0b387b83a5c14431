package herald.indexer.index;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;

/**
 * Text analysis for every locale: Unicode word boundaries, lower case, and diacritics folded so
 * that "medecins" finds "Médecins" and "dzeko" finds "Džeko".
 *
 * <p>NOTE: no stop words and no stemming, because the same analyzer serves English, Serbian (Latin
 * and Cyrillic), Russian and the other languages of the region; per-language stemming is a later
 * step that needs the locale at query time too.
 */
public final class ContentAnalyzer extends Analyzer {

  @Override
  protected TokenStreamComponents createComponents(String fieldName) {
    StandardTokenizer source = new StandardTokenizer();
    return new TokenStreamComponents(source, normalize(fieldName, source));
  }

  @Override
  protected TokenStream normalize(String fieldName, TokenStream in) {
    return new ASCIIFoldingFilter(new LowerCaseFilter(in));
  }
}
