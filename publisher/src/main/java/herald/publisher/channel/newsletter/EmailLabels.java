package herald.publisher.channel.newsletter;

import java.util.Locale;
import java.util.Map;

/**
 * The fixed words of an issue in the reader's language: the locale's own, else its language's, else
 * English.
 */
final class EmailLabels {

  /** Keys: read, register, open, programme, unsubscribe, why (with %s for the name), types. */
  private static final Map<String, Map<String, String>> LABELS =
      Map.of(
          "en",
          Map.ofEntries(
              Map.entry("read", "Read on the website →"),
              Map.entry("register", "Register"),
              Map.entry("open", "Open the publication"),
              Map.entry("programme", "Programme"),
              Map.entry("unsubscribe", "Unsubscribe"),
              Map.entry("why", "You receive this because you subscribed to %s."),
              Map.entry("event", "Event"),
              Map.entry("article", "Article"),
              Map.entry("publication", "Publication"),
              Map.entry("statement", "Statement")),
          "sr-Latn",
          Map.ofEntries(
              Map.entry("read", "Pročitajte na sajtu →"),
              Map.entry("register", "Prijavite se"),
              Map.entry("open", "Otvorite publikaciju"),
              Map.entry("programme", "Program"),
              Map.entry("unsubscribe", "Odjavite se"),
              Map.entry("why", "Ovo primate jer ste se prijavili na %s."),
              Map.entry("event", "Događaj"),
              Map.entry("article", "Članak"),
              Map.entry("publication", "Publikacija"),
              Map.entry("statement", "Saopštenje")),
          "sr-Cyrl",
          Map.ofEntries(
              Map.entry("read", "Прочитајте на сајту →"),
              Map.entry("register", "Пријавите се"),
              Map.entry("open", "Отворите публикацију"),
              Map.entry("programme", "Програм"),
              Map.entry("unsubscribe", "Одјавите се"),
              Map.entry("why", "Ово примате јер сте се пријавили на %s."),
              Map.entry("event", "Догађај"),
              Map.entry("article", "Чланак"),
              Map.entry("publication", "Публикација"),
              Map.entry("statement", "Саопштење")),
          "hr",
          Map.ofEntries(
              Map.entry("read", "Pročitajte na web-stranici →"),
              Map.entry("register", "Prijavite se"),
              Map.entry("open", "Otvorite publikaciju"),
              Map.entry("programme", "Program"),
              Map.entry("unsubscribe", "Odjavite se"),
              Map.entry("why", "Ovo primate jer ste se pretplatili na %s."),
              Map.entry("event", "Događaj"),
              Map.entry("article", "Članak"),
              Map.entry("publication", "Publikacija"),
              Map.entry("statement", "Izjava")),
          "ru",
          Map.ofEntries(
              Map.entry("read", "Читать на сайте →"),
              Map.entry("register", "Зарегистрироваться"),
              Map.entry("open", "Открыть публикацию"),
              Map.entry("programme", "Программа"),
              Map.entry("unsubscribe", "Отписаться"),
              Map.entry("why", "Вы получаете это письмо, потому что подписались на %s."),
              Map.entry("event", "Событие"),
              Map.entry("article", "Статья"),
              Map.entry("publication", "Публикация"),
              Map.entry("statement", "Заявление")),
          "de",
          Map.ofEntries(
              Map.entry("read", "Auf der Website lesen →"),
              Map.entry("register", "Anmelden"),
              Map.entry("open", "Publikation öffnen"),
              Map.entry("programme", "Programm"),
              Map.entry("unsubscribe", "Abmelden"),
              Map.entry("why", "Sie erhalten diese E-Mail, weil Sie %s abonniert haben."),
              Map.entry("event", "Veranstaltung"),
              Map.entry("article", "Artikel"),
              Map.entry("publication", "Publikation"),
              Map.entry("statement", "Erklärung")),
          "fr",
          Map.ofEntries(
              Map.entry("read", "Lire sur le site →"),
              Map.entry("register", "S’inscrire"),
              Map.entry("open", "Ouvrir la publication"),
              Map.entry("programme", "Programme"),
              Map.entry("unsubscribe", "Se désabonner"),
              Map.entry("why", "Vous recevez ce message parce que vous êtes abonné·e à %s."),
              Map.entry("event", "Événement"),
              Map.entry("article", "Article"),
              Map.entry("publication", "Publication"),
              Map.entry("statement", "Déclaration")));

  private final Map<String, String> words;

  private EmailLabels(Map<String, String> words) {
    this.words = words;
  }

  static EmailLabels of(String locale) {
    Map<String, String> w = LABELS.get(locale);
    if (w == null) {
      String language = Locale.forLanguageTag(locale).getLanguage();
      // Bosnian and Montenegrin read the Latin Serbo-Croatian words well.
      w =
          LABELS.getOrDefault(
              language,
              "bs".equals(language) || "me".equals(locale) || "cnr".equals(language)
                  ? LABELS.get("sr-Latn")
                  : LABELS.get("en"));
    }
    return new EmailLabels(w);
  }

  String get(String key) {
    return words.getOrDefault(key, LABELS.get("en").get(key));
  }

  /** A content type's name; unknown types as their id, capitalised. */
  String type(String id) {
    String w = words.get(id);
    if (w != null && !id.isEmpty()) {
      return w;
    }
    return id.isEmpty() ? "" : Character.toUpperCase(id.charAt(0)) + id.substring(1);
  }

  String why(String name) {
    return String.format(get("why"), name);
  }
}
