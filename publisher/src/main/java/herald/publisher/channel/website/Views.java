package herald.publisher.channel.website;

import java.util.List;

/**
 * What the website's templates ({@code src/main/jte}) show: plain values, already formatted for the
 * page's locale and time zone. Text is escaped by the templates; the only HTML here is {@link
 * Entry#bodyHtml()} (sanitised rich text) and {@link Page#jsonLd()} (JSON escaped for a script
 * element).
 */
public final class Views {

  private Views() {}

  /**
   * The frame of every page.
   *
   * @param root the relative path from the page to the site root, such as {@code ../../../}
   * @param canonical the page's absolute URL
   * @param alternates the page in other locales
   * @param jsonLd schema.org JSON-LD, or null
   * @param labels the site's own words in the page's locale
   */
  public record Page(
      String lang,
      String title,
      String description,
      String root,
      String canonical,
      List<Link> alternates,
      String jsonLd,
      String homeHref,
      String homeLabel,
      List<Feed> feeds,
      SiteLabels labels) {}

  /** A feed a page announces for autodiscovery ({@code <link rel="alternate">}). */
  public record Feed(String href, String type, String title) {}

  /** A link; {@code current} marks the page itself in a list of alternatives. */
  public record Link(String href, String label, String lang, boolean current) {

    /** A name without a page to link to (a speaker who is not on the website). */
    public static Link unlinked(String label) {
      return new Link(null, label, null, false);
    }

    public static Link of(String href, String label) {
      return new Link(href, label, null, false);
    }
  }

  /** A labelled value in an entry's details list; {@code datetime} set for dates and times. */
  public record Detail(String label, String text, String datetime) {}

  /**
   * An entry's page.
   *
   * @param bodyHtml sanitised HTML of the rich text body, or null
   * @param buttons links from url fields (registration, download), only http(s)
   * @param people resolved references (authors, signatories, organisers), by field
   * @param event set for events
   */
  public record Entry(
      String type,
      String kind,
      String title,
      String summary,
      String bodyHtml,
      String publishedIso,
      String publishedLabel,
      List<Detail> details,
      List<Link> buttons,
      List<Link> tags,
      List<People> people,
      Event event) {}

  /** Resolved references of one field. */
  public record People(String label, List<Link> links) {}

  /**
   * What an event page shows beyond an entry.
   *
   * @param when the date and time range in the event's time zone, with the zone named
   * @param registration the registration link, or null
   * @param icsHref the calendar file beside the page
   */
  public record Event(
      String when,
      String startIso,
      String endIso,
      String zone,
      String venue,
      boolean online,
      Link registration,
      String icsHref,
      List<ProgrammeRow> programme) {}

  /** A row of an event's programme, times in the event's time zone. */
  public record ProgrammeRow(String time, String startIso, String title, List<Link> speakers) {}

  /**
   * An index or tag page.
   *
   * @param prevHref newer entries, or null
   * @param nextHref older entries, or null
   * @param page the archive page's number (1 the oldest), 0 for the first page of the listing
   */
  public record Listing(
      String heading, List<Item> items, String prevHref, String nextHref, int page, int pages) {}

  /** An entry in a listing. */
  public record Item(
      String href, String title, String summary, String kind, String dateIso, String dateLabel) {}

  /** A language: a link to its pages ({@code href}), or a word in it ({@code href} null). */
  public record Language(String href, String lang, String name) {}

  /** An URL in sitemap.xml, with the date of its last change when known. */
  public record SitemapUrl(String loc, String lastmod) {}
}
