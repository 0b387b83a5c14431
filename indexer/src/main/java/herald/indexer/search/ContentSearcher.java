package herald.indexer.search;

import herald.indexer.analysis.ContentAnalysis;
import herald.indexer.analysis.ContentAnalysis.Stemming;
import herald.indexer.index.IndexFields;
import herald.indexer.index.LiveIndex;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.search.AutomatonQuery;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.CollectorManager;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.FuzzyQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.search.TopScoreDocCollectorManager;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.search.highlight.SimpleHTMLEncoder;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.Operations;

/**
 * Answers searches from the content index.
 *
 * <p>Every word must match somewhere in title, summary, body or tags (ranked in that order, body
 * and tags alike): as written (folded), by its English or Russian stem, with a typo when it has 5
 * letters or more (2 typos from 9), or as the beginning of a word when it is the last one typed.
 * Phrases must match in order. Words are ranked by BM25F: one field holds the four, title and
 * summary repeated by their weight ({@code ContentDocuments.weighted}), so each form of a word is
 * one posting list to read, and the same query serves ranking, date order and facet counts. Phrases
 * are found in the same field, or as word pairs in a second one laid out alike ({@link #phrase}).
 * User input only ever becomes term, phrase, fuzzy and prefix queries built here, each bounded.
 */
public final class ContentSearcher {
  /** A match by stem ranks below the word as written. */
  static final float STEM_WEIGHT = 0.6f;

  /** A match with a typo ranks below an exact one. */
  static final float FUZZY_WEIGHT = 0.3f;

  /** A prefix match (constant score) ranks below a whole word. */
  static final float PREFIX_WEIGHT = 0.5f;

  /** Words of at least this many letters tolerate one typo. */
  static final int ONE_TYPO_LENGTH = 5;

  /** Words of at least this many letters tolerate two typos. */
  static final int TWO_TYPOS_LENGTH = 9;

  /** Typo tolerance is for short queries people type; a pasted paragraph gets exact words. */
  static final int MAX_FUZZY_WORDS = 8;

  /** Longer words are pasted, not typed: no typo tolerance (and no large automaton to build). */
  static final int MAX_FUZZY_LENGTH = 24;

  /** Prefix search starts at this many letters: one letter would match most of the index. */
  static final int MIN_PREFIX_LENGTH = 2;

  /** Terms a typo may stand for, per word (Lucene's FuzzyQuery default). */
  static final int MAX_FUZZY_EXPANSIONS = 10;

  /**
   * A word found in at least this many documents is taken as correctly spelled: its typo variants
   * (which would rank below it anyway) are not looked up, which keeps frequent words cheap.
   */
  static final int KNOWN_WORD_DOCS = 50;

  /**
   * Totals by relevance are counted exactly up to here; beyond, {@code totalExact} is false. By
   * date they are always exact.
   */
  static final int EXACT_TOTAL_UP_TO = 1_000;

  private static final Set<Stemming> ALL_STEMMING = EnumSet.of(Stemming.ENGLISH, Stemming.RUSSIAN);

  private final LiveIndex index;
  private final SearchCache cache;

  /** A searcher without a result cache. */
  public ContentSearcher(LiveIndex index) {
    this(index, 0);
  }

  /** A searcher that keeps up to {@code cacheSize} answers per index refresh (0: none). */
  public ContentSearcher(LiveIndex index, int cacheSize) {
    this.index = index;
    this.cache = new SearchCache(cacheSize);
  }

  /** The page of hits for the query, in the asked order, with the total and asked-for facets. */
  /** The channel whose entries have a page at a hit's {@code url}. */
  static final String WEBSITE = "website";

  public SearchResult search(SearchQuery q) throws IOException {
    QueryText text = QueryText.parse(q.text());
    if (text.isEmpty() && !q.text().isBlank() && text.excluded().isEmpty()) {
      // Only punctuation or symbols: a literal search for them finds nothing.
      return SearchResult.empty();
    }
    Set<Stemming> languages = languages(q);
    ScoreDoc after = q.cursor().map(c -> Cursor.decode(q, c)).orElse(null);
    return index.withSearcher(
        s -> {
          Object searcherKey = s.getIndexReader().getReaderCacheHelper().getKey();
          SearchResult cached = cache.get(searcherKey, q);
          if (cached != null) {
            return cached;
          }
          SearchResult result = search(s, q, text, languages, after);
          cache.put(searcherKey, q, result);
          return result;
        });
  }

  private SearchResult search(
      IndexSearcher s, SearchQuery q, QueryText text, Set<Stemming> languages, ScoreDoc after)
      throws IOException {
    IndexReader reader = s.getIndexReader();
    Query query = query(text, languages, q, reader);
    // One more than asked tells whether there is a next page. By relevance, the total is exact up
    // to EXACT_TOTAL_UP_TO (beyond, non-competitive matches are skipped), or when facets are asked
    // for: they count every match.
    // NOTE: by relevance, the plain top-score collector: a sort with a tie-breaking field would
    // not skip.
    // NOTE: by date, every match is collected (and counted). Lucene's skipping by the date's points
    // re-estimates, at each new last hit of the page, how many dates are still competitive, and
    // that cost more than it saved: health&type=article&sort=date 0.74 -> 0.37 ms without it, and
    // even the 100,100 matches of locale=en&sort=date 0.87 -> 0.76 ms (100,000 entries).
    CollectorManager<?, ? extends TopDocs> top =
        switch (q.order()) {
          case RELEVANCE ->
              new TopScoreDocCollectorManager(q.limit() + 1, after, EXACT_TOTAL_UP_TO);
          case DATE_DESC, DATE_ASC ->
              new TopFieldCollectorManager(
                  byDate(q.order()), q.limit() + 1, (FieldDoc) after, Integer.MAX_VALUE);
        };
    TopDocs docs = s.search(query, top);
    long total = docs.totalHits.value();
    boolean exact = docs.totalHits.relation() == TotalHits.Relation.EQUAL_TO;
    Map<String, List<SearchResult.FacetValue>> facets = Map.of();
    if (!q.facets().isEmpty()) {
      // NOTE: a second pass, without scores. One pass for both (MultiCollectorManager) must score
      // every match, since the page then cannot skip blocks: measured over 100,000 entries it made
      // europe&tag=…&facets=tags,year 3.9 -> 7.3 ms and drug policy&facets=true 12.4 -> 14.8 ms.
      FacetCounts.Counted counted = s.search(query, new FacetCounts(q.facets()));
      total = counted.matches();
      exact = true;
      facets = counted.facets();
    }
    ScoreDoc[] page = docs.scoreDocs;
    int n = Math.min(page.length, q.limit());
    Snippets snippets =
        new Snippets(
            text,
            languages,
            w -> {
              try {
                return typoTolerant(text, w, reader);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    StoredFields stored = s.storedFields();
    List<SearchResult.Hit> hits = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      hits.add(hit(stored.document(page[i].doc), snippets));
    }
    Optional<String> next =
        page.length > q.limit() ? Optional.of(Cursor.encode(q, page[n - 1])) : Optional.empty();
    return new SearchResult(total, exact, hits, facets, next);
  }

  private static Set<Stemming> languages(SearchQuery q) {
    if (q.locales().isEmpty()) {
      return ALL_STEMMING;
    }
    Set<Stemming> out = EnumSet.noneOf(Stemming.class);
    q.locales().forEach(l -> out.add(ContentAnalysis.stemming(l)));
    out.remove(Stemming.NONE);
    return out;
  }

  /** The sort of a date order (by relevance, scores and document numbers order the hits). */
  private static Sort byDate(SearchQuery.Order order) {
    // The key breaks ties, so that a cursor position is exact even among equal dates.
    SortField key = new SortField(IndexFields.KEY, SortField.Type.LONG);
    boolean newestFirst = order == SearchQuery.Order.DATE_DESC;
    return new Sort(new SortField(IndexFields.DATE, SortField.Type.LONG, newestFirst), key);
  }

  /**
   * The search as a Lucene query: words and phrases are matched and ranked on the MATCH field,
   * where title and summary weigh more (BM25F).
   */
  static Query query(QueryText text, Set<Stemming> languages, SearchQuery q, IndexReader reader)
      throws IOException {
    BooleanQuery.Builder all = new BooleanQuery.Builder();
    boolean fuzzy = text.words().size() + text.phrases().size() <= MAX_FUZZY_WORDS;
    for (int i = 0; i < text.words().size(); i++) {
      boolean prefix = text.prefixLast() && i == text.words().size() - 1;
      all.add(word(text.words().get(i), languages, fuzzy, prefix, reader), Occur.MUST);
    }
    for (List<String> phrase : text.phrases()) {
      all.add(phrase(phrase), Occur.MUST);
    }
    for (String w : text.excluded()) {
      all.add(new TermQuery(new Term(IndexFields.ALL, w)), Occur.MUST_NOT);
    }
    // Filters do not score.
    anyOf(all, IndexFields.TYPE, q.types());
    anyOf(all, IndexFields.LOCALE, q.locales());
    anyOf(all, IndexFields.CHANNEL, q.channels());
    for (String tag : q.tags()) {
      all.add(new TermQuery(new Term(IndexFields.TAGS, ContentAnalysis.fold(tag))), Occur.FILTER);
    }
    for (String ref : q.refs()) {
      all.add(new TermQuery(new Term(IndexFields.REF, ref)), Occur.FILTER);
    }
    range(all, IndexFields.PUBLISHED_AT, q.publishedFrom(), q.publishedTo());
    range(all, IndexFields.STARTS_AT, q.startsFrom(), q.startsTo());
    BooleanQuery built = all.build();
    // Tombstones are never results. They only have an id, a kind and a version, so any word,
    // phrase or filter leaves them out already; a query of exclusions alone needs the kind (a
    // filter on it would cost a step through every document of the index for each match).
    boolean positive = built.clauses().stream().anyMatch(c -> c.occur() != Occur.MUST_NOT);
    if (!positive) {
      all.add(new TermQuery(new Term(IndexFields.KIND, IndexFields.KIND_ENTRY)), Occur.FILTER);
      built = all.build();
    }
    return built;
  }

  /** One word: as written, by stems, with typos, as a prefix: any of these. */
  private static Query word(
      String raw, Set<Stemming> languages, boolean fuzzy, boolean prefix, IndexReader reader)
      throws IOException {
    BooleanQuery.Builder any = new BooleanQuery.Builder();
    List<String> variants = ContentAnalysis.variants(raw, languages);
    if (variants.isEmpty()) {
      return new TermQuery(new Term(IndexFields.ALL, raw));
    }
    for (int i = 0; i < variants.size(); i++) {
      any.add(
          boost(
              new TermQuery(new Term(IndexFields.MATCH, variants.get(i))),
              i == 0 ? 1f : STEM_WEIGHT),
          Occur.SHOULD);
    }
    String folded = variants.get(0);
    int length = folded.codePointCount(0, folded.length());
    if (fuzzy && typoTolerant(folded, reader)) {
      any.add(boost(fuzzy(IndexFields.ALL, folded), FUZZY_WEIGHT), Occur.SHOULD);
    }
    if (prefix && length >= MIN_PREFIX_LENGTH) {
      AutomatonQuery longer = longerWords(IndexFields.ALL, folded);
      if (matchesAnyTerm(reader, longer)) {
        any.add(boost(longer, PREFIX_WEIGHT), Occur.SHOULD);
      }
    }
    return any.build();
  }

  /**
   * Whether some term of the index matches the query's automaton. Most whole words typed have no
   * longer word, and a prefix clause that matches nothing still cost as much again as the rest of
   * the search ({@code decriminalisation webinar}: 2.3 against 1.15 ms), since the word is then no
   * longer a plain term for Lucene's conjunction to score.
   */
  static boolean matchesAnyTerm(IndexReader reader, AutomatonQuery query) throws IOException {
    for (LeafReaderContext leaf : reader.leaves()) {
      Terms terms = leaf.reader().terms(query.getField());
      if (terms != null && query.getCompiled().getTermsEnum(terms).next() != null) {
        return true;
      }
    }
    return false;
  }

  /** Whether a folded word of the query is looked up with typos too. */
  static boolean typoTolerant(QueryText text, String folded, IndexReader reader)
      throws IOException {
    return text.words().size() + text.phrases().size() <= MAX_FUZZY_WORDS
        && typoTolerant(folded, reader);
  }

  private static boolean typoTolerant(String folded, IndexReader reader) throws IOException {
    int length = folded.codePointCount(0, folded.length());
    return length >= ONE_TYPO_LENGTH
        && length <= MAX_FUZZY_LENGTH
        && reader.docFreq(new Term(IndexFields.ALL, folded)) < KNOWN_WORD_DOCS;
  }

  static FuzzyQuery fuzzy(String field, String folded) {
    int length = folded.codePointCount(0, folded.length());
    int edits = length >= TWO_TYPOS_LENGTH ? 2 : 1;
    // The first letter must be right: it keeps the automaton's walk over the terms short.
    return new FuzzyQuery(new Term(field, folded), edits, 1, MAX_FUZZY_EXPANSIONS, true);
  }

  /**
   * The words that begin with {@code folded} and are longer: the word itself is already asked for
   * (and ranked) as written. NOTE: a prefix query would also match every document that has the
   * word, which made a common word typed without a trailing space several times as costly.
   *
   * <p>The automaton reads UTF-8 bytes, as the terms are held: a term is a longer word that begins
   * with {@code folded} exactly when its bytes begin with the word's and go on. Built over
   * characters instead, Lucene converted it to bytes for every search, a twentieth of the CPU of
   * the benchmark's mix.
   */
  static AutomatonQuery longerWords(String field, String folded) {
    Automaton longer =
        Operations.concatenate(
            List.of(Automata.makeBinary(new BytesRef(folded)), Automata.makeNonEmptyBinary()));
    return new AutomatonQuery(new Term(field, folded), longer, true);
  }

  /**
   * Words in this order; one quoted word is the word as written (no stem, typo or prefix). Two
   * words are one term of the PAIRS field. A longer phrase is matched and ranked on MATCH's
   * positions, in the documents that have each of its pairs: rare pairs narrow it down before any
   * position is read, where its common words alone would not.
   */
  static Query phrase(List<String> words) {
    if (words.size() == 1) {
      return new TermQuery(new Term(IndexFields.MATCH, words.get(0)));
    }
    if (words.size() == 2) {
      return new TermQuery(pair(words, 0));
    }
    BooleanQuery.Builder all = new BooleanQuery.Builder();
    all.add(new PhraseQuery(IndexFields.MATCH, words.toArray(String[]::new)), Occur.MUST);
    for (int i = 0; i + 1 < words.size(); i++) {
      all.add(new TermQuery(pair(words, i)), Occur.FILTER);
    }
    return all.build();
  }

  private static Term pair(List<String> words, int i) {
    return new Term(IndexFields.PAIRS, ContentAnalysis.pair(words.get(i), words.get(i + 1)));
  }

  private static Query boost(Query q, float boost) {
    return boost == 1f ? q : new BoostQuery(q, boost);
  }

  private static void anyOf(BooleanQuery.Builder all, String field, List<String> values) {
    if (values.isEmpty()) {
      return;
    }
    BooleanQuery.Builder any = new BooleanQuery.Builder();
    values.forEach(v -> any.add(new TermQuery(new Term(field, v)), Occur.SHOULD));
    all.add(any.build(), Occur.FILTER);
  }

  private static void range(
      BooleanQuery.Builder all, String field, Optional<Instant> from, Optional<Instant> to) {
    if (from.isEmpty() && to.isEmpty()) {
      return;
    }
    long lo = from.map(Instant::toEpochMilli).orElse(Long.MIN_VALUE);
    long hi = to.map(Instant::toEpochMilli).orElse(Long.MAX_VALUE);
    all.add(LongPoint.newRangeQuery(field, lo, hi), Occur.FILTER);
  }

  private static SearchResult.Hit hit(Document d, Snippets snippets) {
    String locale = d.get(IndexFields.LOCALE);
    String summary = nonNull(d.get(IndexFields.SUMMARY));
    String body = nonNull(d.get(IndexFields.BODY));
    List<String> tags = new ArrayList<>();
    for (IndexableField f : d.getFields(IndexFields.TAGS)) {
      tags.add(f.stringValue());
    }
    IndexableField starts = d.getField(IndexFields.STARTS_AT);
    return new SearchResult.Hit(
        d.get(IndexFields.ID),
        d.get(IndexFields.TYPE),
        locale,
        d.get(IndexFields.TITLE),
        summary,
        d.get(IndexFields.SLUG),
        Instant.ofEpochMilli(d.getField(IndexFields.DATE).numericValue().longValue()),
        Instant.ofEpochMilli(d.getField(IndexFields.PUBLISHED_AT).numericValue().longValue()),
        Optional.ofNullable(starts).map(f -> Instant.ofEpochMilli(f.numericValue().longValue())),
        tags,
        snippet(snippets, locale, body, summary),
        onWebsite(d.getValues(IndexFields.CHANNEL)));
  }

  /**
   * Whether the channels stored with a document include the website; documents indexed before
   * channels were stored have none, and are taken to be.
   */
  private static boolean onWebsite(String[] channels) {
    return channels.length == 0 || java.util.Arrays.asList(channels).contains(WEBSITE);
  }

  private static String snippet(Snippets snippets, String locale, String body, String summary) {
    String best = snippets.of(locale, body);
    if (best == null) {
      best = snippets.of(locale, summary);
    }
    // Browsing, or the words matched only the title: show the beginning of the text.
    return best != null
        ? best
        : SimpleHTMLEncoder.htmlEncode(beginning(body.isEmpty() ? summary : body));
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  static String beginning(String text) {
    String t = text.strip();
    if (t.length() <= Snippets.SNIPPET_CHARS) {
      return t;
    }
    int cut = t.lastIndexOf(' ', Snippets.SNIPPET_CHARS);
    return t.substring(0, cut > 0 ? cut : Snippets.SNIPPET_CHARS).strip() + "…";
  }
}
