package herald.publisher.channel.newsletter;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.SMTPException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds newsletter mails (both parts, list headers) and hands them to the SMTP client. */
final class Mailer {

  private static final Pattern ADDRESS = Pattern.compile("<?([^<>\\s]+@([^<>\\s]+))>?\\s*$");

  private final MailClient client;
  private final String from;
  private final String listId;

  Mailer(MailClient client, String from, String listName) {
    this.client = client;
    this.from = from;
    // RFC 2919: a list identifier in the sender's domain.
    this.listId = listName.replaceAll("[\\r\\n<>]", "") + " <newsletter." + domainOf(from) + ">";
  }

  /**
   * Sends one message.
   *
   * @param unsubscribeUrl the recipient's one-click unsubscribe URL (RFC 8058), or null for mail
   *     that is not a list message (confirmation)
   */
  Future<Void> send(
      String to,
      String subject,
      String html,
      String text,
      String messageId,
      String unsubscribeUrl) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Message-ID", messageId);
    if (unsubscribeUrl != null) {
      headers
          .add("List-Unsubscribe", "<" + unsubscribeUrl + ">")
          .add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
          .add("List-Id", listId)
          .add("Precedence", "bulk");
    }
    MailMessage message =
        new MailMessage()
            .setFrom(from)
            .setTo(to)
            .setSubject(subject)
            .setText(text)
            .setHtml(html)
            .setHeaders(headers);
    return client.sendMail(message).mapEmpty();
  }

  /** Whether a failure will not go away by trying again (a 5xx SMTP reply, such as no mailbox). */
  static boolean isPermanent(Throwable failure) {
    return failure instanceof SMTPException smtp && smtp.isPermanent();
  }

  /** The domain of the From address, for Message-IDs and the List-Id. */
  static String domainOf(String from) {
    Matcher m = ADDRESS.matcher(from.trim());
    return m.find() ? m.group(2) : "herald.localhost";
  }
}
