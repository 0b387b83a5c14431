package herald.publisher.channel.website;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("HTML helpers")
class HtmlTest {

  @Test
  @DisplayName("escaping turns every markup character into an entity")
  void escapesMarkup() {
    assertEquals(
        "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
        Html.escape("<a href=\"x\" title='y'>&</a>"));
    assertEquals("Програми – Médecins", Html.escape("Програми – Médecins"));
  }

  @Test
  @DisplayName("only absolute http and https addresses count as web links")
  void webUrls() {
    assertTrue(Html.isWebUrl("https://example.org/register/nsp-webinar"));
    assertTrue(Html.isWebUrl("http://example.org"));
    assertFalse(Html.isWebUrl("javascript:alert(1)"));
    assertFalse(Html.isWebUrl("data:text/html,<script>alert(1)</script>"));
    assertFalse(Html.isWebUrl("/relative/path"));
    assertFalse(Html.isWebUrl("not a url"));
  }

  @Test
  @DisplayName("field ids become readable labels")
  void labels() {
    assertEquals("Starts at", Html.label("startsAt"));
    assertEquals("Time zone", Html.label("timeZone"));
    assertEquals("Organisers", Html.label("organisers"));
    assertEquals("Event date", Html.label("event_date"));
  }
}
