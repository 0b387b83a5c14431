package herald.api.feeds;

import com.rometools.rome.feed.synd.SyndCategory;
import com.rometools.rome.feed.synd.SyndCategoryImpl;
import com.rometools.rome.feed.synd.SyndContent;
import com.rometools.rome.feed.synd.SyndContentImpl;
import com.rometools.rome.feed.synd.SyndEnclosure;
import com.rometools.rome.feed.synd.SyndEnclosureImpl;
import com.rometools.rome.feed.synd.SyndEntry;
import com.rometools.rome.feed.synd.SyndEntryImpl;
import com.rometools.rome.feed.synd.SyndFeed;
import com.rometools.rome.feed.synd.SyndFeedImpl;
import com.rometools.rome.feed.synd.SyndLink;
import com.rometools.rome.feed.synd.SyndLinkImpl;
import com.rometools.rome.feed.synd.SyndPerson;
import com.rometools.rome.feed.synd.SyndPersonImpl;
import com.rometools.rome.io.FeedException;
import com.rometools.rome.io.SyndFeedOutput;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.jdom2.Element;
import org.jdom2.Namespace;

/** Writes feeds: RSS 2.0 and Atom (RFC 4287) through Rome, JSON Feed 1.1 by hand. */
public final class FeedWriter {
  private static final Namespace ATOM =
      Namespace.getNamespace("atom", "http://www.w3.org/2005/Atom");

  /** What a feed is about: its title, where it lives, and its WebSub hub. */
  public record Meta(
      String title,
      String description,
      String selfUrl,
      String homeUrl,
      String locale,
      Optional<String> hub) {}

  private FeedWriter() {}

  public static String rss(Meta meta, List<FeedItem> items) {
    SyndFeed feed = syndFeed("rss_2.0", meta, items);
    // RSS has no self or hub link of its own: the Atom namespace adds them (WebSub discovery).
    List<Element> links = new ArrayList<>();
    links.add(atomLink("self", meta.selfUrl(), "application/rss+xml"));
    meta.hub().ifPresent(h -> links.add(atomLink("hub", h, null)));
    feed.setForeignMarkup(links);
    return write(feed);
  }

  public static String atom(Meta meta, List<FeedItem> items) {
    return write(syndFeed("atom_1.0", meta, items));
  }

  private static Element atomLink(String rel, String href, String type) {
    Element e = new Element("link", ATOM).setAttribute("rel", rel).setAttribute("href", href);
    if (type != null) {
      e.setAttribute("type", type);
    }
    return e;
  }

  private static SyndFeed syndFeed(String type, Meta meta, List<FeedItem> items) {
    SyndFeed feed = new SyndFeedImpl();
    feed.setFeedType(type);
    feed.setTitle(meta.title());
    feed.setDescription(meta.description());
    feed.setLink(meta.homeUrl());
    feed.setUri(meta.selfUrl());
    feed.setLanguage(meta.locale());
    feed.setGenerator("Herald");
    feed.setPublishedDate(Date.from(FeedItems.newest(items)));
    List<SyndLink> links = new ArrayList<>();
    links.add(link("alternate", meta.homeUrl(), "text/html"));
    links.add(
        link("self", meta.selfUrl(), type.startsWith("atom") ? "application/atom+xml" : null));
    meta.hub().ifPresent(h -> links.add(link("hub", h, null)));
    feed.setLinks(links);
    SyndPerson publisher = new SyndPersonImpl();
    publisher.setName(meta.title());
    feed.setAuthors(List.of(publisher));
    List<SyndEntry> entries = new ArrayList<>();
    for (FeedItem i : items) {
      SyndEntry e = new SyndEntryImpl();
      e.setTitle(i.title());
      e.setLink(i.link());
      e.setUri("urn:uuid:" + i.id());
      e.setPublishedDate(Date.from(i.published()));
      e.setUpdatedDate(Date.from(i.updated()));
      if (i.summary() != null) {
        SyndContent d = new SyndContentImpl();
        d.setType("text/plain");
        d.setValue(i.summary());
        e.setDescription(d);
      }
      SyndContent c = new SyndContentImpl();
      c.setType("html");
      c.setValue(i.html());
      e.setContents(List.of(c));
      if (type.startsWith("rss")) {
        // RSS's own <author> must be an e-mail address: names go in dc:creator.
        if (!i.authors().isEmpty()) {
          e.setAuthor(String.join(", ", i.authors()));
        }
      } else {
        List<SyndPerson> authors = new ArrayList<>();
        for (String a : i.authors()) {
          SyndPerson p = new SyndPersonImpl();
          p.setName(a);
          authors.add(p);
        }
        e.setAuthors(authors);
      }
      List<SyndCategory> cats = new ArrayList<>();
      for (String t : i.tags()) {
        SyndCategory cat = new SyndCategoryImpl();
        cat.setName(t);
        cats.add(cat);
      }
      e.setCategories(cats);
      List<SyndEnclosure> enc = new ArrayList<>();
      for (FeedItem.Enclosure m : i.enclosures()) {
        SyndEnclosure x = new SyndEnclosureImpl();
        x.setUrl(m.url());
        x.setType(m.mediaType());
        // RSS requires a length; 0 says "unknown" (the file is not fetched to measure it).
        x.setLength(0);
        enc.add(x);
      }
      e.setEnclosures(enc);
      entries.add(e);
    }
    feed.setEntries(entries);
    return feed;
  }

  private static SyndLink link(String rel, String href, String type) {
    SyndLink l = new SyndLinkImpl();
    l.setRel(rel);
    l.setHref(href);
    if (type != null) {
      l.setType(type);
    }
    return l;
  }

  private static String write(SyndFeed feed) {
    try {
      return new SyndFeedOutput().outputString(feed, false);
    } catch (FeedException e) {
      throw new IllegalStateException("cannot write feed", e);
    }
  }

  /** JSON Feed 1.1 (https://jsonfeed.org/version/1.1). */
  public static String json(Meta meta, List<FeedItem> items) {
    JsonObject feed =
        new JsonObject()
            .put("version", "https://jsonfeed.org/version/1.1")
            .put("title", meta.title())
            .put("home_page_url", meta.homeUrl())
            .put("feed_url", meta.selfUrl())
            .put("description", meta.description())
            .put("language", meta.locale());
    meta.hub()
        .ifPresent(
            h ->
                feed.put(
                    "hubs",
                    new JsonArray().add(new JsonObject().put("type", "WebSub").put("url", h))));
    JsonArray out = new JsonArray();
    for (FeedItem i : items) {
      JsonObject o =
          new JsonObject()
              .put("id", i.id().toString())
              .put("url", i.link())
              .put("title", i.title())
              .put("content_html", i.html())
              .put("date_published", i.published().toString())
              .put("date_modified", i.updated().toString())
              .put("language", i.locale());
      if (i.summary() != null) {
        o.put("summary", i.summary());
      }
      if (!i.authors().isEmpty()) {
        JsonArray a = new JsonArray();
        i.authors().forEach(n -> a.add(new JsonObject().put("name", n)));
        o.put("authors", a);
      }
      if (!i.tags().isEmpty()) {
        o.put("tags", new JsonArray(i.tags()));
      }
      if (!i.enclosures().isEmpty()) {
        JsonArray a = new JsonArray();
        i.enclosures()
            .forEach(
                m -> a.add(new JsonObject().put("url", m.url()).put("mime_type", m.mediaType())));
        o.put("attachments", a);
        if (m0(i).startsWith("image/")) {
          o.put("image", i.enclosures().get(0).url());
        }
      }
      out.add(o);
    }
    return feed.put("items", out).encode();
  }

  private static String m0(FeedItem i) {
    return i.enclosures().get(0).mediaType();
  }
}
