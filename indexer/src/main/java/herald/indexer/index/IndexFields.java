package herald.indexer.index;

/** Names and fixed values of the fields in the content index, shared by writer and searcher. */
public final class IndexFields {
  /** Entry id (UUID); every document of an entry carries it, so an upsert replaces them all. */
  public static final String ID = "id";

  /** What a document is: {@link #KIND_ENTRY} or {@link #KIND_TOMBSTONE}. */
  public static final String KIND = "kind";

  /** A searchable document of one entry in one locale. */
  public static final String KIND_ENTRY = "entry";

  /**
   * The memory of an entry without searchable content (unpublished): it only carries the id and
   * version, so that an older publish arriving later is recognised as stale.
   */
  public static final String KIND_TOMBSTONE = "tombstone";

  /** Locale tag: filter term, facet (doc values) and stored. */
  public static final String LOCALE = "locale";

  /** Content type id: filter term, facet (doc values) and stored. */
  public static final String TYPE = "type";

  public static final String SLUG = "slug";

  /** Entry version: stored and doc values, read when deciding whether an event is stale. */
  public static final String VERSION = "version";

  /** The title, stored (searched through {@link #MATCH}). */
  public static final String TITLE = "title";

  /** The {@code summary} field, stored (searched through {@link #MATCH}). */
  public static final String SUMMARY = "summary";

  /**
   * Every other text and rich-text value, markup stripped, stored: snippets come from it (searched
   * through {@link #MATCH}).
   */
  public static final String BODY = "body";

  /** Title, summary, body and tags in folded form only: typo-tolerant and prefix matching. */
  public static final String ALL = "all";

  /**
   * Title, summary, body and tags together, analyzed for the document's locale (words and stems),
   * with term frequencies and positions: title and summary repeated by their weight, so that BM25
   * on this one field ranks as BM25F over the four. Searches match and rank words and phrases on
   * it, with one posting list per word form.
   */
  public static final String MATCH = "match";

  /**
   * Each two neighbouring words of the texts of {@link #MATCH} as one term ({@code
   * ContentAnalysis.pair}), weighted as there, with term frequencies but no positions: a phrase of
   * two words is one posting list to read, and a longer one is first narrowed down to the documents
   * that have all its pairs.
   */
  public static final String PAIRS = "pairs";

  /** Tags of the {@code tags} field: folded filter terms, original facet values, stored. */
  public static final String TAGS = "tags";

  /** Channels the entry goes out on: filter terms. */
  public static final String CHANNEL = "channel";

  /**
   * Referenced entry ids, anywhere in the entry (also in groups): {@code <id>}, and {@code
   * <field>:<id>} for the field's own id and its path ({@code speakers:…}, {@code
   * programme.speakers:…}).
   */
  public static final String REF = "ref";

  /** Epoch milliseconds of the publish: point and stored. */
  public static final String PUBLISHED_AT = "publishedAt";

  /** Epoch milliseconds of an event's start ({@code startsAt}): point and stored. */
  public static final String STARTS_AT = "startsAt";

  /**
   * The date a result shows and sorts by: the event start for events, else the publish: point, doc
   * values, stored.
   */
  public static final String DATE = "date";

  /** Year (UTC) of {@link #DATE}, as a facet. */
  public static final String YEAR = "year";

  /**
   * A stable number per document, from {@code <id>/<locale>}, that breaks ties between equal dates
   * (doc values).
   */
  public static final String KEY = "key";

  private IndexFields() {}
}
