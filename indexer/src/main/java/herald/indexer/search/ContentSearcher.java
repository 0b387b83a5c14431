package herald.indexer.search;

import herald.indexer.index.ContentIndex;
import herald.indexer.index.IndexFields;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopScoreDocCollectorManager;
import org.apache.lucene.search.highlight.Highlighter;
import org.apache.lucene.search.highlight.InvalidTokenOffsetsException;
import org.apache.lucene.search.highlight.QueryScorer;
import org.apache.lucene.search.highlight.SimpleHTMLEncoder;
import org.apache.lucene.search.highlight.SimpleHTMLFormatter;
import org.apache.lucene.search.highlight.SimpleSpanFragmenter;

/**
 * Answers searches from the content index: every word must match, in the title or the text, and
 * title matches rank higher.
 *
 * <p>User input is only ever analyzed into words and turned into term queries here, so no character
 * of it is Lucene query syntax.
 */
public final class ContentSearcher {
  /** Words past this many are ignored: they no longer change which entries a person finds. */
  static final int MAX_TERMS = 32;

  private static final float TITLE_BOOST = 3f;
  private static final int SNIPPET_CHARS = 160;

  private final ContentIndex index;

  public ContentSearcher(ContentIndex index) {
    this.index = index;
  }

  /** The page of hits for the query, best first, with the exact total. */
  public SearchResult search(SearchQuery q) throws IOException {
    List<String> terms = terms(index.analyzer(), q.text());
    if (terms.isEmpty()) {
      // Only punctuation or symbols: a literal search for them finds nothing.
      return new SearchResult(0, List.of());
    }
    Query query = query(terms, q);
    return index.withSearcher(
        s -> {
          // An exact total (not a lower bound) is part of the response contract.
          TopDocs top =
              s.search(query, new TopScoreDocCollectorManager(q.limit(), null, Integer.MAX_VALUE));
          Highlighter highlighter = highlighter(terms);
          StoredFields stored = s.storedFields();
          List<SearchResult.Hit> hits = new ArrayList<>(top.scoreDocs.length);
          for (ScoreDoc sd : top.scoreDocs) {
            Document d = stored.document(sd.doc);
            hits.add(
                new SearchResult.Hit(
                    d.get(IndexFields.ID),
                    d.get(IndexFields.TYPE),
                    d.get(IndexFields.LOCALE),
                    d.get(IndexFields.TITLE),
                    d.get(IndexFields.SLUG),
                    snippet(highlighter, d.get(IndexFields.TEXT))));
          }
          return new SearchResult(top.totalHits.value, hits);
        });
  }

  /** The distinct analyzed words of the text, in order, at most {@link #MAX_TERMS}. */
  static List<String> terms(Analyzer analyzer, String text) throws IOException {
    Set<String> terms = new LinkedHashSet<>();
    try (TokenStream ts = analyzer.tokenStream(IndexFields.TEXT, text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (terms.size() < MAX_TERMS && ts.incrementToken()) {
        terms.add(term.toString());
      }
      ts.end();
    }
    return List.copyOf(terms);
  }

  private static Query query(List<String> terms, SearchQuery q) {
    BooleanQuery.Builder all = new BooleanQuery.Builder();
    for (String t : terms) {
      Query titleOrText =
          new BooleanQuery.Builder()
              .add(
                  new BoostQuery(new TermQuery(new Term(IndexFields.TITLE, t)), TITLE_BOOST),
                  Occur.SHOULD)
              .add(new TermQuery(new Term(IndexFields.TEXT, t)), Occur.SHOULD)
              .build();
      all.add(titleOrText, Occur.MUST);
    }
    // Filters do not score; tombstones are never results.
    all.add(new TermQuery(new Term(IndexFields.KIND, IndexFields.KIND_ENTRY)), Occur.FILTER);
    q.type().ifPresent(t -> all.add(new TermQuery(new Term(IndexFields.TYPE, t)), Occur.FILTER));
    q.locale()
        .ifPresent(l -> all.add(new TermQuery(new Term(IndexFields.LOCALE, l)), Occur.FILTER));
    return all.build();
  }

  private Highlighter highlighter(List<String> terms) {
    BooleanQuery.Builder words = new BooleanQuery.Builder();
    terms.forEach(t -> words.add(new TermQuery(new Term(IndexFields.TEXT, t)), Occur.SHOULD));
    QueryScorer scorer = new QueryScorer(words.build(), IndexFields.TEXT);
    // The encoder HTML-escapes all text outside the marks, so stored content cannot inject markup.
    Highlighter h =
        new Highlighter(
            new SimpleHTMLFormatter("<mark>", "</mark>"), new SimpleHTMLEncoder(), scorer);
    h.setTextFragmenter(new SimpleSpanFragmenter(scorer, SNIPPET_CHARS));
    return h;
  }

  private String snippet(Highlighter highlighter, String text) throws IOException {
    if (text == null || text.isEmpty()) {
      return "";
    }
    try {
      String best = highlighter.getBestFragment(index.analyzer(), IndexFields.TEXT, text);
      if (best != null) {
        return best.strip();
      }
    } catch (InvalidTokenOffsetsException e) {
      // Cannot happen with offsets from our own analyzer; the plain beginning is a fine fallback.
    }
    // The words matched only the title: show the beginning of the text.
    return SimpleHTMLEncoder.htmlEncode(beginning(text));
  }

  private static String beginning(String text) {
    if (text.length() <= SNIPPET_CHARS) {
      return text.strip();
    }
    int cut = text.lastIndexOf(' ', SNIPPET_CHARS);
    return text.substring(0, cut > 0 ? cut : SNIPPET_CHARS).strip() + "…";
  }
}
