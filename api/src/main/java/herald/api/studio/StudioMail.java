package herald.api.studio;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;

/**
 * Studio's own mail (invitations and password resets) through the SMTP server the newsletter uses
 * ({@code HERALD_SMTP_HOST}/{@code PORT}; the all-in-one's local sink keeps them under {@code
 * .herald/mail/}).
 */
final class StudioMail {
  private final MailClient client;
  private final String from;

  StudioMail(Vertx vertx, StudioConfig config) {
    this.from = config.mailFrom();
    MailConfig mc =
        new MailConfig()
            .setHostname(config.smtpHost())
            .setPort(config.smtpPort())
            .setStarttls(StartTLSOptions.OPTIONAL)
            .setKeepAlive(false)
            .setOwnHostname(domainOf(from));
    if (config.smtpUser().isEmpty()) {
      mc.setLogin(LoginOption.DISABLED);
    } else {
      mc.setLogin(LoginOption.REQUIRED)
          .setUsername(config.smtpUser().get())
          .setPassword(config.smtpPassword());
    }
    this.client = MailClient.create(vertx, mc);
  }

  /** An invitation to join, in the inviter's interface language. */
  Future<Void> invitation(String to, String inviter, String link, Labels t) {
    String text = t.f("mail.invite.body", inviter, link);
    return send(to, t.t("mail.invite.subject"), text);
  }

  /** A password-reset link. */
  Future<Void> reset(String to, String link, Labels t) {
    return send(to, t.t("mail.reset.subject"), t.f("mail.reset.body", link));
  }

  private Future<Void> send(String to, String subject, String text) {
    return client
        .sendMail(new MailMessage().setFrom(from).setTo(to).setSubject(subject).setText(text))
        .mapEmpty();
  }

  void close() {
    client.close();
  }

  static String domainOf(String address) {
    int at = address.lastIndexOf('@');
    String d = at < 0 ? "localhost" : address.substring(at + 1).replaceAll("[>\\s]", "");
    return d.isEmpty() ? "localhost" : d;
  }
}
