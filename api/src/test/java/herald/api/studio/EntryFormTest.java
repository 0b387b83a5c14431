package herald.api.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EntryFormTest {
  static final JsonObject EVENT =
      new JsonObject(
          """
          {"id":"event","name":"Event","fields":[
            {"id":"title","type":"text","required":true,"localized":true},
            {"id":"body","type":"richtext","localized":true},
            {"id":"startsAt","type":"datetime"},
            {"id":"online","type":"boolean"},
            {"id":"seats","type":"number"},
            {"id":"tags","type":"tags"},
            {"id":"venue","type":"location"},
            {"id":"format","type":"enum","values":["webinar","meeting"]},
            {"id":"organisers","type":"references","referenceTypes":["organisation"]},
            {"id":"programme","type":"group","fields":[
              {"id":"start","type":"datetime"},
              {"id":"title","type":"text"},
              {"id":"speakers","type":"references"}]}]}
          """);

  @Test
  @DisplayName("a form becomes the entry's fields, keeping the locales the form did not show")
  void read() {
    MultiMap form =
        MultiMap.caseInsensitiveMultiMap()
            .add("fields.title.en", " Webinar ")
            .add("fields.title.sr-Cyrl", "Вебинар")
            .add("fields.body.en", "line one\r\nline two")
            .add("fields.startsAt.local", "2026-03-12T14:00")
            .add("fields.startsAt.zone", "Europe/Belgrade")
            .add("fields.online.present", "1")
            .add("fields.seats", "120")
            .add("fields.tags", "prisons, peers, , prisons")
            .add("fields.venue.name", "Niš")
            .add("fields.venue.lat", "43.32")
            .add("fields.venue.lon", "21.9")
            .add("fields.format", "webinar")
            .add("fields.organisers", "11111111-1111-1111-1111-111111111111")
            .add("fields.organisers", "22222222-2222-2222-2222-222222222222")
            .add("fields.programme[1].title", "Second")
            .add("fields.programme[0].title", "First")
            .add("fields.programme[0].speakers", "33333333-3333-3333-3333-333333333333")
            .add("fields.programme[0].start.local", "2026-03-12T14:05")
            .add("fields.programme[0].start.zone", "+01:00")
            .add("q", "typed into a picker");
    JsonObject current =
        new JsonObject().put("title", new JsonObject().put("en", "Old").put("ru", "Вебинар (ru)"));
    JsonObject f = EntryForm.read(EVENT, form, List.of("en", "sr-Cyrl"), current);
    assertEquals(
        new JsonObject().put("en", "Webinar").put("ru", "Вебинар (ru)").put("sr-Cyrl", "Вебинар"),
        f.getJsonObject("title"));
    assertEquals("line one\nline two", f.getJsonObject("body").getString("en"));
    assertEquals("2026-03-12T14:00+01:00", f.getString("startsAt"));
    assertEquals(false, f.getBoolean("online"));
    assertEquals(120L, f.getLong("seats"));
    assertEquals(List.of("prisons", "peers"), f.getJsonArray("tags").getList());
    assertEquals(43.32, f.getJsonObject("venue").getDouble("lat"));
    assertEquals("Niš", f.getJsonObject("venue").getString("name"));
    assertEquals(2, f.getJsonArray("organisers").size());
    assertEquals("First", f.getJsonArray("programme").getJsonObject(0).getString("title"));
    assertEquals(
        "2026-03-12T14:05+01:00", f.getJsonArray("programme").getJsonObject(0).getString("start"));
    assertEquals("Second", f.getJsonArray("programme").getJsonObject(1).getString("title"));
    assertFalse(f.containsKey("q"));
  }

  @Test
  @DisplayName("values the form cannot make sense of go to the api as typed, so its 422 names them")
  void badValuesGoThrough() {
    MultiMap form =
        MultiMap.caseInsensitiveMultiMap()
            .add("fields.seats", "many")
            .add("fields.startsAt.local", "2026-03-12T14:00")
            .add("fields.startsAt.zone", "Mars/Olympus");
    JsonObject f = EntryForm.read(EVENT, form, List.of("en"), new JsonObject());
    assertEquals("many", f.getString("seats"));
    assertEquals("2026-03-12T14:00 Mars/Olympus", f.getString("startsAt"));
    assertNull(f.getValue("title"));
  }

  @Test
  @DisplayName("the view names inputs by the api's error paths, so a 422 lands at its input")
  void view() {
    JsonObject fields =
        new JsonObject(
            "{\"title\":{\"en\":\"W\"},\"startsAt\":\"2026-03-12T14:00+01:00\","
                + "\"programme\":[{\"title\":\"First\",\"speakers\":[\"33333333-3333-3333-3333-333333333333\"]}]}");
    List<EntryForm.Field> view =
        EntryForm.view(
            EVENT,
            fields,
            List.of("en", "sr-Cyrl"),
            Map.of("33333333-3333-3333-3333-333333333333", "Milutin Milošević · person"),
            Map.of("fields.title.sr-Cyrl", "required", "fields.programme[0].title", "too long"));
    EntryForm.Field title = view.get(0);
    assertEquals(2, title.cells().size());
    assertEquals("fields.title.sr-Cyrl", title.cells().get(1).name());
    assertEquals("required", title.cells().get(1).error());
    assertEquals("f-fields-title-sr-Cyrl", title.cells().get(1).id());
    EntryForm.Field startsAt = view.get(2);
    assertEquals("2026-03-12T14:00", startsAt.cells().get(0).local());
    assertEquals("+01:00", startsAt.cells().get(0).zone());
    EntryForm.Field programme = view.get(9);
    assertEquals("group", programme.kind());
    EntryForm.Field itemTitle = programme.items().get(0).get(1);
    assertEquals("fields.programme[0].title", itemTitle.cells().get(0).name());
    assertEquals("too long", itemTitle.cells().get(0).error());
    assertEquals(
        "Milutin Milošević · person",
        programme.items().get(0).get(2).cells().get(0).refs().get(0).label());
    assertTrue(programme.template().get(1).name().contains("[__i__]"));
    assertEquals("Starts at", startsAt.label());
  }

  @Test
  @DisplayName("a three-way merge keeps one-sided changes and asks only where both changed")
  void merge() {
    JsonObject base =
        new JsonObject(
            "{\"title\":{\"en\":\"A\",\"sr-Cyrl\":\"Б\"},\"link\":\"x\",\"summary\":\"s\"}");
    JsonObject theirs =
        new JsonObject(
            "{\"title\":{\"en\":\"Theirs\",\"sr-Cyrl\":\"Б\"},\"link\":\"x\",\"summary\":\"s2\"}");
    JsonObject mine =
        new JsonObject(
            "{\"title\":{\"en\":\"Mine\",\"sr-Cyrl\":\"Б\"},\"link\":\"y\",\"summary\":\"s\"}");
    List<Merge.Choice> choices = Merge.choices(EVENT, base, theirs, mine, List.of("en"));
    assertEquals(1, choices.size());
    assertEquals("title.en", choices.get(0).key());
    JsonObject auto = Merge.auto(EVENT, base, theirs, mine);
    assertEquals("Theirs", auto.getJsonObject("title").getString("en"));
    assertEquals("y", auto.getString("link"));
    assertEquals("s2", auto.getString("summary"));
    JsonObject resolved = Merge.resolve(auto, mine, java.util.Set.of("title.en"));
    assertEquals("Mine", resolved.getJsonObject("title").getString("en"));
    assertEquals("Б", resolved.getJsonObject("title").getString("sr-Cyrl"));
  }
}
