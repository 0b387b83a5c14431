package herald.publisher.channel.newsletter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The local SMTP sink")
class LocalSmtpSinkTest {

  @TempDir Path dir;

  @Test
  @DisplayName("keeps each message the mail client sends as an .eml file, dots unstuffed")
  void keepsMessages() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (LocalSmtpSink sink = LocalSmtpSink.start(0, dir.resolve("mail"))) {
      MailClient client =
          MailClient.create(
              vertx,
              new MailConfig()
                  .setHostname("127.0.0.1")
                  .setPort(sink.port())
                  .setStarttls(StartTLSOptions.DISABLED)
                  .setLogin(LoginOption.DISABLED));
      for (int i = 0; i < 2; i++) {
        client
            .sendMail(
                new MailMessage()
                    .setFrom("newsletter@herald.localhost")
                    .setTo("ana@example.org")
                    .setSubject("Вебинар " + i)
                    .setText("first line\n.starts with a dot\nlast line"))
            .await(10, TimeUnit.SECONDS);
      }
      client.close().await(10, TimeUnit.SECONDS);

      assertEquals(2, sink.received());
      List<Path> messages = sink.messages();
      assertEquals(2, messages.size());
      String eml = Files.readString(messages.get(0), StandardCharsets.ISO_8859_1);
      assertTrue(eml.contains("To: ana@example.org"), eml);
      assertTrue(eml.contains("Subject: =?UTF-8?"), "encoded subject");
      assertTrue(eml.contains("\r\n.starts with a dot"), "the dot-stuffing is undone");
      assertTrue(eml.endsWith("last line\r\n") || eml.contains("last line"), eml);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
