package herald.publisher.channel.website;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.templates.RowMapper;
import io.vertx.sqlclient.templates.SqlTemplate;
import java.io.IOException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The SQL of {@code publisher.website_page}, the {@link WebsiteIndex} of a publisher. Blocking: the
 * website channel runs on delivery worker threads.
 */
public final class WebsitePageRepository implements WebsiteIndex {

  private static final String COLUMNS =
      "entry_id, locale, version, content_type, slug, title, summary, published_at, tags";

  static final String PAGES_OF =
      "SELECT " + COLUMNS + " FROM publisher.website_page WHERE entry_id = #{entryId}";

  static final String DELETE_OTHER_LOCALES =
      """
      DELETE FROM publisher.website_page
      WHERE entry_id = #{entryId} AND NOT (locale = ANY(#{locales}))""";

  static final String UPSERT =
      """
      INSERT INTO publisher.website_page
        (entry_id, locale, version, content_type, slug, title, summary, published_at, tags)
      VALUES (#{entryId}, #{locale}, #{version}, #{contentType}, #{slug}, #{title}, #{summary},
              #{publishedAt}, #{tags})
      ON CONFLICT (entry_id, locale) DO UPDATE
      SET version = EXCLUDED.version, content_type = EXCLUDED.content_type,
          slug = EXCLUDED.slug, title = EXCLUDED.title, summary = EXCLUDED.summary,
          tags = EXCLUDED.tags, updated_at = now()""";

  static final String LOCALE =
      "SELECT "
          + COLUMNS
          + " FROM publisher.website_page WHERE locale = #{locale}"
          + " ORDER BY published_at DESC, entry_id";

  static final String ENTRIES =
      "SELECT " + COLUMNS + " FROM publisher.website_page WHERE entry_id = ANY(#{ids})";

  static final String ALL =
      "SELECT " + COLUMNS + " FROM publisher.website_page ORDER BY published_at DESC, entry_id";

  private static final RowMapper<PageRow> ROW = WebsitePageRepository::row;

  private final Pool pool;
  private final Duration timeout;

  public WebsitePageRepository(Pool pool, Duration timeout) {
    this.pool = pool;
    this.timeout = timeout;
  }

  @Override
  public List<PageRow> pagesOf(UUID entryId) throws IOException {
    return await(
        SqlTemplate.forQuery(pool, PAGES_OF)
            .mapTo(ROW)
            .execute(Map.of("entryId", entryId))
            .map(WebsitePageRepository::list));
  }

  @Override
  public void replace(UUID entryId, List<PageRow> rows) throws IOException {
    String[] locales = rows.stream().map(PageRow::locale).toArray(String[]::new);
    await(
        pool.withTransaction(
            conn -> {
              Future<Void> f =
                  SqlTemplate.forUpdate(conn, DELETE_OTHER_LOCALES)
                      .execute(Map.of("entryId", entryId, "locales", locales))
                      .mapEmpty();
              for (PageRow r : rows) {
                Map<String, Object> p = new HashMap<>();
                p.put("entryId", r.entryId());
                p.put("locale", r.locale());
                p.put("version", r.version());
                p.put("contentType", r.contentType());
                p.put("slug", r.slug());
                p.put("title", r.title());
                p.put("summary", r.summary());
                p.put("publishedAt", r.publishedAt().atOffset(ZoneOffset.UTC));
                p.put("tags", r.tags().toArray(new String[0]));
                f = f.compose(v -> SqlTemplate.forUpdate(conn, UPSERT).execute(p).mapEmpty());
              }
              return f;
            }));
  }

  @Override
  public List<PageRow> locale(String locale) throws IOException {
    return await(
        SqlTemplate.forQuery(pool, LOCALE)
            .mapTo(ROW)
            .execute(Map.of("locale", locale))
            .map(WebsitePageRepository::list));
  }

  @Override
  public List<PageRow> entries(Collection<UUID> entryIds) throws IOException {
    if (entryIds.isEmpty()) {
      return List.of();
    }
    return await(
        SqlTemplate.forQuery(pool, ENTRIES)
            .mapTo(ROW)
            .execute(Map.of("ids", entryIds.toArray(new UUID[0])))
            .map(WebsitePageRepository::list));
  }

  @Override
  public List<PageRow> all() throws IOException {
    return await(
        SqlTemplate.forQuery(pool, ALL)
            .mapTo(ROW)
            .execute(Map.of())
            .map(WebsitePageRepository::list));
  }

  private <T> T await(Future<T> f) throws IOException {
    try {
      return f.timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).await();
    } catch (Exception e) {
      // A database that is away is a failure worth retrying, like a disk that is full.
      throw new IOException("website index: " + e.getMessage(), e);
    }
  }

  private static <T> List<T> list(Iterable<T> rows) {
    List<T> out = new ArrayList<>();
    rows.forEach(out::add);
    return out;
  }

  private static PageRow row(Row r) {
    String[] tags = r.getArrayOfStrings("tags");
    return new PageRow(
        r.getUUID("entry_id"),
        r.getString("locale"),
        r.getLong("version"),
        r.getString("content_type"),
        r.getString("slug"),
        r.getString("title"),
        r.getString("summary"),
        r.getOffsetDateTime("published_at").toInstant(),
        tags == null ? List.of() : Arrays.asList(tags));
  }
}
